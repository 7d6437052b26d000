"""The existing-kubeconfig provider: context resolution and the guard against non-disposable clusters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podchaos.cluster.existing import (
    ExistingProvider,
    context_is_disposable,
    default_kubeconfig,
    host_is_local,
    server_host,
)
from podchaos.errors import ClusterError, UnsafeContext

PROD_SERVER = "https://prod.example.com:6443"


def write_kubeconfig(path: Path, contexts: dict[str, str], current: str | None = None) -> Path:
    """A kubeconfig with one cluster per context, named after it, served at the given URL."""
    clusters = "\n".join(
        f"- name: {name}-cluster\n  cluster:\n    server: {url}" for name, url in contexts.items()
    )
    entries = "\n".join(
        f"- name: {name}\n  context:\n    cluster: {name}-cluster\n    user: {name}-user" for name in contexts
    )
    users = "\n".join(f"- name: {name}-user\n  user:\n    token: t" for name in contexts)
    text = f"apiVersion: v1\nkind: Config\nclusters:\n{clusters}\ncontexts:\n{entries}\nusers:\n{users}\n"
    if current is not None:
        text += f"current-context: {current}\n"
    path.write_text(text)
    return path


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    return write_kubeconfig(
        tmp_path / "config",
        {
            "kind-podchaos": "https://127.0.0.1:40123",
            "podchaos-local": "https://10.250.0.1:16443",
            "minikube": "https://127.0.0.1:8443",
            "local-ip": "https://10.250.0.7:6443",
            "prod": PROD_SERVER,
            "kind-remote": PROD_SERVER,
        },
        current="prod",
    )


@pytest.mark.parametrize(
    ("name", "server", "allowed", "expected"),
    [
        ("kind-podchaos", PROD_SERVER, (), False),
        ("kind-podchaos", "https://172.18.0.2:6443", (), True),
        ("kind-podchaos", "https://podchaos-control-plane:6443", (), True),
        ("kind-podchaos", "https://1.2.3.4:6443", (), False),
        ("kind-", PROD_SERVER, (), False),
        ("podchaos-local", PROD_SERVER, (), False),
        ("podchaos-local", "https://10.250.0.1:16443", (), True),
        ("podchaos-local-2", PROD_SERVER, (), False),
        ("dev", "https://172.18.0.2:6443", (), False),
        ("my-kind", PROD_SERVER, (), False),
        ("prod", PROD_SERVER, (), False),
        ("prod", PROD_SERVER, ("staging",), False),
        ("prod", PROD_SERVER, ("prod",), True),
        ("dev", "https://127.0.0.1:6443", (), False),  # an `ssh -L` to production is loopback too
        ("kind-podchaos", "https://127.0.0.1:6443", (), True),
        ("k3d-test", "https://127.0.0.1:6443", (), True),
        ("minikube", "https://[::1]:8443", (), True),
        ("dev", "https://127.0.0.1:6443", ("dev",), True),
        ("dev", "https://127.8.9.10:6443", (), False),
        ("dev", "https://localhost:6443", (), False),
        ("kind-x", "https://LOCALHOST.:6443", (), True),
        ("dev", "https://[::1]:6443", (), False),
        ("kind-x", "https://[::ffff:127.0.0.1]:6443", (), True),
        ("podchaos-local", "127.0.0.1:6443", (), True),
        ("dev", "https://10.250.0.1:16443", (), True),
        ("dev", "https://10.250.0.255", (), True),
        ("dev", "https://10.250.1.1:6443", (), False),
        ("dev", "https://10.0.0.1:6443", (), False),
        ("dev", "https://128.0.0.1:6443", (), False),
        ("dev", "https://localhost.example.com:6443", (), False),
        ("dev", "https://127.0.0.1.nip.io:6443", (), False),
        ("dev", "", (), False),
        ("dev", "not a url", (), False),
    ],
)
def test_context_is_disposable(name: str, server: str, allowed: tuple[str, ...], expected: bool) -> None:
    assert context_is_disposable(name, server, allowed) is expected


def test_server_host_strips_scheme_port_and_brackets() -> None:
    assert server_host("https://Prod.Example.com:6443/base") == "prod.example.com"
    assert server_host("https://[::1]:6443") == "::1"
    assert server_host("10.250.0.1:16443") == "10.250.0.1"
    assert server_host("https://[::1") is None


def test_host_is_local_refuses_empty_host() -> None:
    assert host_is_local(None) is False
    assert host_is_local("") is False


@pytest.mark.parametrize(
    ("context", "server"),
    [
        ("kind-podchaos", "https://127.0.0.1:40123"),
        ("podchaos-local", "https://10.250.0.1:16443"),
        ("minikube", "https://127.0.0.1:8443"),
        ("local-ip", "https://10.250.0.7:6443"),
    ],
)
def test_ensure_allows_disposable_contexts(kubeconfig: Path, context: str, server: str) -> None:
    access = ExistingProvider(kubeconfig, context).ensure()

    assert access.provider == "existing"
    assert access.kubeconfig == kubeconfig
    assert access.context == context
    assert server in access.description
    assert str(kubeconfig) in access.description


def test_ensure_refuses_remote_context_and_says_how_to_allow_it(kubeconfig: Path) -> None:
    with pytest.raises(UnsafeContext) as caught:
        ExistingProvider(kubeconfig, "prod").ensure()

    message = str(caught.value)
    assert "'prod'" in message
    assert PROD_SERVER in message
    assert "--podchaos-allow-context prod" in message


def test_a_remote_cluster_named_like_kind_is_refused(kubeconfig: Path) -> None:
    with pytest.raises(UnsafeContext, match="--podchaos-allow-context kind-remote"):
        ExistingProvider(kubeconfig, "kind-remote").ensure()


def test_unsafe_context_is_a_cluster_error(kubeconfig: Path) -> None:
    with pytest.raises(ClusterError):
        ExistingProvider(kubeconfig, "prod").ensure()


def test_allowed_contexts_let_a_remote_context_through(kubeconfig: Path) -> None:
    access = ExistingProvider(kubeconfig, "prod", allowed_contexts=("other", "prod")).ensure()

    assert access.context == "prod"


def test_allowing_one_context_does_not_allow_another(kubeconfig: Path) -> None:
    with pytest.raises(UnsafeContext, match="--podchaos-allow-context prod"):
        ExistingProvider(kubeconfig, "prod", allowed_contexts=("kind-remote", "staging")).ensure()


def test_default_context_is_current_context_and_is_guarded(kubeconfig: Path) -> None:
    # current-context is "prod": the guard must apply to the context actually resolved.
    with pytest.raises(UnsafeContext, match="'prod'"):
        ExistingProvider(kubeconfig).ensure()


def test_default_context_is_returned_by_name(tmp_path: Path) -> None:
    path = write_kubeconfig(
        tmp_path / "config",
        {"kind-a": "https://127.0.0.1:1", "kind-b": "https://127.0.0.1:2"},
        current="kind-b",
    )

    access = ExistingProvider(path).ensure()

    assert access.context == "kind-b"
    assert "127.0.0.1:2" in access.description


def test_no_current_context_and_none_given(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "config", {"kind-a": "https://127.0.0.1:1"})

    with pytest.raises(ClusterError, match="no current-context") as caught:
        ExistingProvider(path).ensure()
    assert str(path) in str(caught.value)


def test_missing_context_names_file_and_available_contexts(kubeconfig: Path) -> None:
    with pytest.raises(ClusterError) as caught:
        ExistingProvider(kubeconfig, "kind-nope").ensure()

    message = str(caught.value)
    assert not isinstance(caught.value, UnsafeContext)
    assert str(kubeconfig) in message
    assert "'kind-nope'" in message
    assert "kind-podchaos" in message
    assert "podchaos-local" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "config"

    with pytest.raises(ClusterError) as caught:
        ExistingProvider(path, "kind-x").ensure()

    assert str(path) in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_malformed_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken-config"
    path.write_text("clusters:\n  - name: a\n    cluster: {server: [\n")

    with pytest.raises(ClusterError) as caught:
        ExistingProvider(path, "kind-a").ensure()

    assert str(path) in str(caught.value)
    assert "not valid YAML" in str(caught.value)
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- just\n- a list\n", "expected a mapping"),
        ("contexts: 3\n", "contexts must be a list"),
        ("contexts:\n- context: {cluster: c}\n", "contexts[0].name"),
        ("contexts:\n- name: kind-a\n  context: {cluster: missing}\n", "'missing', which is not defined"),
        ("clusters:\n- name: c\n  cluster: {server: 5}\n", "clusters[0].cluster.server must be a string"),
    ],
)
def test_malformed_kubeconfig_structure(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config"
    path.write_text(text)

    with pytest.raises(ClusterError) as caught:
        ExistingProvider(path, "kind-a").ensure()

    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_default_kubeconfig_lists_every_existing_kubeconfig_entry(tmp_path: Path) -> None:
    first, second, absent = tmp_path / "first", tmp_path / "second", tmp_path / "absent"
    first.write_text("{}")
    second.write_text("{}")
    environ = {"KUBECONFIG": os.pathsep.join(["", str(first), str(absent), str(second)])}

    found = default_kubeconfig(environ, home=tmp_path)

    # kubectl leaves out the missing files of $KUBECONFIG and reads the others.
    assert found.paths == (first, second)
    assert str(absent) in found.found


def test_default_kubeconfig_falls_back_to_home(tmp_path: Path) -> None:
    assert default_kubeconfig({}, home=tmp_path).paths == ()
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text("{}")

    assert default_kubeconfig({}, home=tmp_path).paths == (tmp_path / ".kube" / "config",)
    assert default_kubeconfig({"KUBECONFIG": ""}, home=tmp_path).paths == (tmp_path / ".kube" / "config",)


def test_ensure_without_kubeconfig_merges_every_path_of_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_kubeconfig(tmp_path / "first", {"kind-first": "https://127.0.0.1:1"})
    second = write_kubeconfig(
        tmp_path / "second", {"kind-second": "https://127.0.0.1:2"}, current="kind-second"
    )
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))

    access = ExistingProvider().ensure()

    # The current context comes from the second file, the only one that sets it; the client reads
    # both files again from the joined list.
    assert access.context == "kind-second"
    assert str(access.kubeconfig) == os.pathsep.join([str(first), str(second)])
    assert "127.0.0.1:2" in access.description


def test_merged_kubeconfig_first_file_wins_for_names_and_current_context(tmp_path: Path) -> None:
    first = write_kubeconfig(tmp_path / "first", {"kind-a": "https://127.0.0.1:1"}, current="kind-a")
    second = write_kubeconfig(
        tmp_path / "second", {"kind-a": PROD_SERVER, "kind-b": "https://127.0.0.1:2"}, current="kind-b"
    )

    access = ExistingProvider((first, second)).ensure()

    assert access.context == "kind-a"
    assert "127.0.0.1:1" in access.description
    assert ExistingProvider((first, second), "kind-b").ensure().context == "kind-b"


def test_merged_kubeconfig_guards_the_context_it_resolves(tmp_path: Path) -> None:
    first = write_kubeconfig(tmp_path / "first", {"kind-a": "https://127.0.0.1:1"})
    second = write_kubeconfig(tmp_path / "second", {"prod": PROD_SERVER}, current="prod")

    with pytest.raises(UnsafeContext, match="'prod'"):
        ExistingProvider((first, second)).ensure()


def test_merged_kubeconfig_names_the_file_that_is_broken(tmp_path: Path) -> None:
    first = write_kubeconfig(tmp_path / "first", {"kind-a": "https://127.0.0.1:1"}, current="kind-a")
    second = tmp_path / "second"
    second.write_text("clusters: [\n")

    with pytest.raises(ClusterError, match="second: not valid YAML"):
        ExistingProvider((first, second)).ensure()


def test_ensure_without_kubeconfig_or_env_reads_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".kube").mkdir()
    path = write_kubeconfig(
        tmp_path / ".kube" / "config", {"kind-home": "https://127.0.0.1:1"}, current="kind-home"
    )

    access = ExistingProvider().ensure()

    assert access.kubeconfig == path
    assert access.context == "kind-home"


def test_ensure_without_any_kubeconfig_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    with pytest.raises(ClusterError, match=r"no kubeconfig: .*config does not exist"):
        ExistingProvider().ensure()


def test_release_leaves_kubeconfig_and_context_usable(kubeconfig: Path) -> None:
    before = kubeconfig.read_text()
    provider = ExistingProvider(kubeconfig, "kind-podchaos")
    provider.ensure()

    provider.release()

    assert kubeconfig.read_text() == before
    assert provider.ensure().context == "kind-podchaos"


def test_merged_kubeconfig_context_may_name_a_cluster_of_another_file(tmp_path: Path) -> None:
    clusters = tmp_path / "clusters"
    clusters.write_text("clusters: [{name: kind-x, cluster: {server: 'https://127.0.0.1:1'}}]\n")
    contexts = tmp_path / "contexts"
    contexts.write_text("contexts: [{name: kind-x, context: {cluster: kind-x}}]\ncurrent-context: kind-x\n")

    access = ExistingProvider((clusters, contexts)).ensure()

    assert access.context == "kind-x"
    assert "127.0.0.1:1" in access.description
    # Alone, the contexts file names a cluster it does not define.
    with pytest.raises(ClusterError, match="which is not defined"):
        ExistingProvider(contexts).ensure()
