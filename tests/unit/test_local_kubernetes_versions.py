"""Which Kubernetes release the local cluster runs, and the Go module its binary is built from."""

from __future__ import annotations

from pathlib import Path

import pytest

from podchaos import cli
from podchaos.cluster.local import build, kubemod
from podchaos.cluster.local.cluster import LocalCluster
from podchaos.cluster.local.layout import Layout
from podchaos.cluster.local.status import data_version, recorded_kubernetes_version
from podchaos.cluster.local.versions import (
    DEFAULT_KUBERNETES_VERSION,
    TESTED_KUBERNETES_VERSIONS,
    resolve_kubernetes_version,
)
from podchaos.errors import ClusterSetupError
from podchaos.model.versions import KubeVersion

RELEASE_GO_MOD = """module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
\tgithub.com/spf13/cobra v1.10.2
\tk8s.io/api v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/streaming => ./staging/src/k8s.io/streaming
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
)
"""


@pytest.mark.parametrize(
    ("given", "resolved"),
    [
        ("1.36.3", "v1.36.3"),
        ("v1.37.2", "v1.37.2"),
        (" 1.34.0 ", "v1.34.0"),
        ("1.36", "v1.36.3"),
        ("v1.37", "v1.37.2"),
        ("default", DEFAULT_KUBERNETES_VERSION),
        ("Default", DEFAULT_KUBERNETES_VERSION),
    ],
)
def test_a_named_release_resolves_to_one_version(given: str, resolved: str) -> None:
    assert resolve_kubernetes_version(given) == resolved


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (
            "latest",
            "expected a release such as 1.36.3 (or v1.36.3), a tested minor such as 1.36, or 'default'",
        ),
        ("1.36.3.1", "expected a release such as 1.36.3"),
        ("", "expected a release such as 1.36.3"),
        ("1.33.5", "the local cluster runs Kubernetes 1.34 or newer"),
        ("0.99.0", "the local cluster runs Kubernetes 1.34 or newer"),
        ("1.38", "no tested release of 1.38; name the patch (such as 1.38.0)"),
    ],
)
def test_a_bad_release_says_what_is_accepted(given: str, problem: str) -> None:
    with pytest.raises(ClusterSetupError) as caught:
        resolve_kubernetes_version(given)

    assert problem in str(caught.value)
    assert "tested: " + ", ".join(TESTED_KUBERNETES_VERSIONS) in str(caught.value)


def test_the_default_is_a_tested_release() -> None:
    assert DEFAULT_KUBERNETES_VERSION in TESTED_KUBERNETES_VERSIONS


def test_the_go_module_maps_every_staging_module_to_its_published_release() -> None:
    text = kubemod.go_mod(KubeVersion(1, 37, 2), RELEASE_GO_MOD)

    assert text.splitlines() == [
        "module podchaos.local/kube",
        "",
        "go 1.26.0",
        "",
        "godebug default=go1.26",
        "",
        "require (",
        "\tk8s.io/component-base v0.37.2",
        "\tk8s.io/kubernetes v1.37.2",
        ")",
        "",
        "replace (",
        "\tk8s.io/api => k8s.io/api v0.37.2",
        "\tk8s.io/client-go => k8s.io/client-go v0.37.2",
        "\tk8s.io/streaming => k8s.io/streaming v0.37.2",
        ")",
    ]


def test_a_go_mod_that_is_not_kubernetes_is_refused() -> None:
    with pytest.raises(ValueError, match="names no staging modules"):
        kubemod.go_mod(KubeVersion(1, 36, 3), "module example.com/x\n\ngo 1.26.0\n")


def test_each_release_has_its_own_binary_and_build_stamp(tmp_path: Path) -> None:
    older = Layout(tmp_path / "state", tmp_path / "run", tmp_path / "cache", kubernetes_version="v1.36.3")
    newer = Layout(tmp_path / "state", tmp_path / "run", tmp_path / "cache", kubernetes_version="v1.37.2")

    assert older.kube_binary == tmp_path / "cache" / "bin" / "kubernetes-v1.36.3" / "kube"
    assert newer.kube_binary.parent.name == "kubernetes-v1.37.2"
    assert build.kube(older).source_hash() != build.kube(newer).source_hash()
    assert "-X k8s.io/component-base/version.gitVersion=v1.37.2" in build.kube(newer).ldflags
    assert "-X k8s.io/component-base/version.gitMinor=37" in build.kube(newer).ldflags


def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "state", tmp_path / "run", tmp_path / "cache")


def test_a_cluster_never_started_runs_the_default(tmp_path: Path) -> None:
    assert recorded_kubernetes_version(tmp_path / "state") is None
    assert LocalCluster(layout(tmp_path)).layout.kubernetes_version == DEFAULT_KUBERNETES_VERSION


def test_without_a_version_the_cluster_keeps_the_release_it_last_ran(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "data-version").write_text(data_version("v1.36.3") + "\n")

    assert recorded_kubernetes_version(state) == "v1.36.3"
    assert LocalCluster(layout(tmp_path)).layout.kubernetes_version == "v1.36.3"
    assert LocalCluster(layout(tmp_path), kubernetes="1.37").layout.kubernetes_version == "v1.37.2"
    assert LocalCluster(layout(tmp_path), kubernetes="default").layout.kubernetes_version == (
        DEFAULT_KUBERNETES_VERSION
    )


def test_a_bad_version_fails_before_anything_is_touched(tmp_path: Path) -> None:
    with pytest.raises(ClusterSetupError, match="Kubernetes version 'banana'"):
        LocalCluster(layout(tmp_path), kubernetes="banana")
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize(
    ("argv", "env", "problem"),
    [
        (["cluster", "up", "--kubernetes", "banana"], {}, "Kubernetes version 'banana': expected a release"),
        (
            ["cluster", "up"],
            {"PODCHAOS_KUBERNETES": "1.33.0"},
            "Kubernetes version '1.33.0': the local cluster",
        ),
        (
            ["cluster", "status", "--kubernetes", "1.36.3"],
            {},
            "--kubernetes goes with cluster up, not cluster status",
        ),
    ],
)
def test_the_cluster_command_refuses_a_bad_version_before_touching_anything(
    argv: list[str],
    env: dict[str, str],
    problem: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PODCHAOS_STATE_DIR", str(tmp_path / "state"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert cli.main(argv) == 2

    assert capsys.readouterr().err.startswith(f"podchaos: error: {problem}")
    assert not (tmp_path / "state").exists()


def test_the_environments_version_does_not_stop_a_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A session that exports PODCHAOS_KUBERNETES can still ask for the status: the variable is for up.
    monkeypatch.setenv("PODCHAOS_KUBERNETES", "banana")
    args = cli.build_parser().parse_args(["cluster", "status"])
    asked: list[str | None] = []

    class Recorder:
        def __init__(self, progress: object = None, kubernetes: str | None = None) -> None:
            asked.append(kubernetes)

        def status(self) -> object:
            raise SystemExit(0)

    monkeypatch.setattr("podchaos.cluster.local.cluster.LocalCluster", Recorder)
    with pytest.raises(SystemExit):
        args.handler(args)
    assert asked == [None]


def test_the_release_last_run_is_read_again_before_acting(tmp_path: Path) -> None:
    # A session made its LocalCluster while the cluster ran 1.36.3; another process has since switched
    # it to 1.37.2. Acting on the release read first would switch the cluster back.
    state = tmp_path / "state"
    state.mkdir()
    (state / "data-version").write_text(data_version("v1.36.3") + "\n")
    waiting = LocalCluster(layout(tmp_path))
    asked = LocalCluster(layout(tmp_path), kubernetes="1.36.3")
    (state / "data-version").write_text(data_version("v1.37.2") + "\n")

    waiting._follow_recorded()
    asked._follow_recorded()

    assert waiting.layout.kubernetes_version == "v1.37.2"
    assert waiting.layout.kube_binary.parent.name == "kubernetes-v1.37.2"
    # A release named explicitly stays what was asked for.
    assert asked.layout.kubernetes_version == "v1.36.3"
