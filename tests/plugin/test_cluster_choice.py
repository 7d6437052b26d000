"""Which cluster a pytest session runs chaos on, chosen when pytest starts as kubectl would choose:
``--podchaos-kubeconfig``, else every file of ``$KUBECONFIG`` merged, else ``~/.kube/config``, at its
current context; the embedded local cluster when asked or when there is no kubeconfig. A missing file
or context is a usage error before collection, so ``pytest --co`` catches it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHOW_CHOICE = """
import pytest
from podchaos.pytest_plugin.stash import OPTIONS_KEY


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    options = config.stash[OPTIONS_KEY]
    paths = [str(path) for path in options.kubeconfig_paths]
    print(f"CHOICE {options.resolved_provider} context={options.context} paths={paths}",
          f"note={options.cluster_note}")
"""


def kubeconfig(path: Path, contexts: dict[str, str], current: str | None = None) -> Path:
    """A kubeconfig with one cluster per context, named after it, served at the given URL."""
    clusters = "\n".join(f"- name: {name}\n  cluster: {{server: {url}}}" for name, url in contexts.items())
    entries = "\n".join(f"- name: {name}\n  context: {{cluster: {name}}}" for name in contexts)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"apiVersion: v1\nkind: Config\nclusters:\n{clusters}\ncontexts:\n{entries}\n"
    path.write_text(text + (f"current-context: {current}\n" if current else ""))
    return path


@pytest.fixture
def show(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(SHOW_CHOICE)
    return pytester


def test_kubeconfig_of_two_paths_is_merged_and_its_current_context_used(
    show: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kubeconfig(show.path / "a" / "config", {"kind-one": "https://127.0.0.1:1"})
    second = kubeconfig(show.path / "b" / "config", {"kind-two": "https://127.0.0.1:2"}, current="kind-two")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(show.path / "absent"), str(second)]))

    result = show.runpytest_subprocess("-s", "--co", "-q")

    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED, result.stderr.str()
    result.stdout.fnmatch_lines([f"CHOICE existing context=kind-two paths=['{first}', '{second}'] note=None"])
    # A context of the other file, named: found in the merged kubeconfig.
    other = show.runpytest_subprocess("-s", "--co", "-q", "--podchaos-context=kind-one")
    other.stdout.fnmatch_lines(["CHOICE existing context=kind-one *"])


def test_home_kubeconfig_is_the_default(show: pytest.Pytester) -> None:
    # pytester's HOME is its directory.
    home = kubeconfig(
        show.path / ".kube" / "config", {"kind-home": "https://127.0.0.1:1"}, current="kind-home"
    )

    result = show.runpytest_subprocess("-s", "--co", "-q")

    result.stdout.fnmatch_lines([f"CHOICE existing context=kind-home paths=['{home}'] note=None"])


def test_no_kubeconfig_means_the_local_cluster_and_says_why(show: pytest.Pytester) -> None:
    result = show.runpytest_subprocess("-s", "--co", "-q")

    result.stdout.fnmatch_lines(
        ["CHOICE local context=None paths=[[]] note=no kubeconfig (*/.kube/config does not exist): chaos *"]
    )
    # A kubeconfig without any context (what some tools leave behind) is no cluster either.
    (show.path / ".kube").mkdir()
    (show.path / ".kube" / "config").write_text("apiVersion: v1\nkind: Config\n")
    empty = show.runpytest_subprocess("-s", "--co", "-q")
    empty.stdout.fnmatch_lines(["CHOICE local *note=*/.kube/config defines no context: *"])


def test_local_cluster_when_asked_whatever_the_kubeconfig(
    show: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = kubeconfig(show.path / "config", {"prod": "https://prod.example.com"}, current="prod")
    monkeypatch.setenv("KUBECONFIG", str(path))

    result = show.runpytest_subprocess("-s", "--co", "-q", "--podchaos-cluster=local")

    result.stdout.fnmatch_lines(["CHOICE local context=None paths=[[]] note=None"])


@pytest.mark.parametrize(
    ("arguments", "environ", "error"),
    [
        (
            ("--podchaos-kubeconfig=absent",),
            {},
            "ERROR: --podchaos-kubeconfig: */absent: kubeconfig file does not exist",
        ),
        (
            ("--podchaos-context=kind-nope",),
            {"KUBECONFIG": "config"},
            "ERROR: --podchaos-context: config: no context named 'kind-nope'; available: kind-a",
        ),
        (
            (),
            {"KUBECONFIG": "absent-one" + os.pathsep + "absent-two"},
            "ERROR: $KUBECONFIG (absent-one*absent-two): no kubeconfig file exists; *-cluster=local",
        ),
        (
            ("--podchaos-cluster=existing",),
            {},
            "ERROR: */.kube/config: no kubeconfig file exists; name one with --podchaos-kubeconfig*",
        ),
        (("--podchaos-context=kind-a",), {}, "ERROR: */.kube/config: no kubeconfig file exists*"),
        ((), {"PODCHAOS_KUBECONFIG": "bad"}, "ERROR: PODCHAOS_KUBECONFIG: */bad: not valid YAML*"),
    ],
)
def test_a_missing_kubeconfig_or_context_is_a_usage_error_at_start_up(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    arguments: tuple[str, ...],
    environ: dict[str, str],
    error: str,
) -> None:
    kubeconfig(pytester.path / "config", {"kind-a": "https://127.0.0.1:1"})
    (pytester.path / "bad").write_text("clusters: [\n")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    result = pytester.runpytest_subprocess("--co", *arguments)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([error])


def test_a_context_that_is_not_disposable_is_refused_only_when_a_test_needs_the_cluster(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A project's other tests run as before with a production kubeconfig on the machine.
    path = kubeconfig(pytester.path / "config", {"prod": "https://prod.example.com"}, current="prod")
    monkeypatch.setenv("KUBECONFIG", str(path))
    pytester.makepyfile(test_app="def test_app():\n    pass\n\ndef test_chaos(podchaos_cluster):\n    pass\n")

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*UnsafeContext: refusing to run chaos on context 'prod'*"])
