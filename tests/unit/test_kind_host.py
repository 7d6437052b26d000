"""The seam between the kind provider and the kind tooling built on this machine: which kind runs, in
which environment, on which image and config, and when the engine stops. Logic only, with a fake host
answering through the fake kind of test_kind_provider; the e2e test creates a real cluster this way.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_kind_provider import NODES, FakeKind

from podchaos.cluster.kind import KindProvider
from podchaos.cluster.kind.builthere import KUBE_PROXY_MODE, BuiltHere, host_factory, uses_kind_as_it_is
from podchaos.cluster.kind.config import (
    CGROUP_V1_PATCH,
    ConfigNeeds,
    KindConfig,
    default_config,
    load_config,
    with_needs,
)
from podchaos.cluster.kind.preload import Preload
from podchaos.cluster.kindhost import engine, environment, nodeimage, tools
from podchaos.cluster.local.config import TOOLBOX_IMAGE, TRAFFIC_IMAGE
from podchaos.errors import ClusterSetupError

HOST_IMAGE = "localhost/podchaos/kind-node:v1.37.2-abc"
HOST_KUBECONFIG = "apiVersion: v1\nkind: Config\n# server: the control plane's address\n"
VOLUMES = Path("/var/lib/podchaos-kind/volumes/podchaos")
NEEDS = ConfigNeeds(
    reason="these nodes",
    mounts=((VOLUMES, "/tmp/hostpath_pv"),),
    kube_proxy_mode="nftables",
    cgroup_v1=True,
)
CLUSTER_YAML = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n"


@dataclass
class FakeHost:
    """A machine that runs kind its own way: every command goes to the fake kind (engine nerdctl)."""

    kind: FakeKind
    deleted: int = 0
    needs_asked: list[str] = field(default_factory=list)

    @property
    def engine(self) -> str:
        return "nerdctl"

    @property
    def node_image(self) -> str:
        return HOST_IMAGE

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        return self.kind(argv)

    def config_needs(self, cluster: str) -> ConfigNeeds:
        self.needs_asked.append(cluster)
        return NEEDS

    def kubeconfig(self, cluster: str) -> str:
        return HOST_KUBECONFIG

    def cluster_deleted(self) -> None:
        self.deleted += 1


def document(config: KindConfig) -> dict[str, Any]:
    loaded = yaml.safe_load(config.text)
    assert isinstance(loaded, dict)
    return loaded


def written(kubeconfig_dir: Path, cluster: str = "podchaos") -> dict[str, Any]:
    loaded = yaml.safe_load((kubeconfig_dir / f"kind-{cluster}.config.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


MOUNT = {"hostPath": str(VOLUMES), "containerPath": "/tmp/hostpath_pv"}


# --- what the nodes need, added to a config ------------------------------------------------------


def test_podchaos_own_config_gets_the_mount_on_every_node_and_the_kube_proxy_mode() -> None:
    config = with_needs(default_config(cgroup_v1=True), NEEDS)

    loaded = document(config)
    assert loaded["nodes"] == [
        {"role": "control-plane", "extraMounts": [MOUNT]},
        {"role": "worker", "extraMounts": [MOUNT]},
        {"role": "worker", "extraMounts": [MOUNT]},
    ]
    assert loaded["networking"] == {"kubeProxyMode": "nftables"}
    # default_config already carries the cgroup v1 patch: not twice.
    assert loaded["kubeadmConfigPatches"] == [CGROUP_V1_PATCH]
    assert config.roles == ("control-plane", "worker", "worker")
    assert "these nodes" in config.source


def test_a_users_config_keeps_its_own_fields_and_gets_the_same_additions(tmp_path: Path) -> None:
    users = tmp_path / "kind.yaml"
    users.write_text(
        CLUSTER_YAML + "networking:\n  podSubnet: 10.244.0.0/16\n"
        "nodes:\n- role: control-plane\n  labels: {tier: cp}\n"
        "- role: worker\n  extraMounts:\n  - {hostPath: /srv/data, containerPath: /data}\n"
    )

    loaded = document(with_needs(load_config(users, "podchaos"), NEEDS))

    assert loaded["nodes"] == [
        {"role": "control-plane", "labels": {"tier": "cp"}, "extraMounts": [MOUNT]},
        {"role": "worker", "extraMounts": [{"hostPath": "/srv/data", "containerPath": "/data"}, MOUNT]},
    ]
    assert loaded["networking"] == {"podSubnet": "10.244.0.0/16", "kubeProxyMode": "nftables"}
    assert loaded["kubeadmConfigPatches"] == [CGROUP_V1_PATCH]


def test_a_config_without_nodes_is_kinds_one_control_plane_with_the_mount(tmp_path: Path) -> None:
    users = tmp_path / "kind.yaml"
    users.write_text(CLUSTER_YAML)

    loaded = document(with_needs(load_config(users, "podchaos"), NEEDS))

    assert loaded["nodes"] == [{"role": "control-plane", "extraMounts": [MOUNT]}]


def test_the_same_mount_and_mode_already_there_are_not_added_twice(tmp_path: Path) -> None:
    users = tmp_path / "kind.yaml"
    users.write_text(
        CLUSTER_YAML + "networking: {kubeProxyMode: nftables}\n"
        "nodes:\n- role: control-plane\n  extraMounts:\n"
        f"  - {{hostPath: {VOLUMES}, containerPath: /tmp/hostpath_pv}}\n"
        "kubeadmConfigPatches:\n- |\n  kind: KubeletConfiguration\n  failCgroupV1: true\n"
    )

    loaded = document(with_needs(load_config(users, "podchaos"), NEEDS))

    assert loaded["nodes"] == [{"role": "control-plane", "extraMounts": [MOUNT]}]
    # The user's own failCgroupV1 is what they asked for.
    assert loaded["kubeadmConfigPatches"] == ["kind: KubeletConfiguration\nfailCgroupV1: true\n"]


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ("networking: {kubeProxyMode: iptables}\n", "networking.kubeProxyMode", "nftables mode only"),
        (
            "nodes:\n- role: control-plane\n- role: worker\n  extraMounts:\n"
            "  - {hostPath: /srv/pv, containerPath: /tmp/hostpath_pv}\n",
            "nodes[1].extraMounts",
            str(VOLUMES),
        ),
    ],
)
def test_a_users_config_the_nodes_cannot_run_is_a_clear_error(
    tmp_path: Path, extra: str, field: str, words: str
) -> None:
    users = tmp_path / "kind.yaml"
    users.write_text(CLUSTER_YAML + extra)

    with pytest.raises(ClusterSetupError) as caught:
        with_needs(load_config(users, "podchaos"), NEEDS)

    message = str(caught.value)
    assert f"kind config {users}: {field}:" in message
    assert words in message
    assert "these nodes" in message


# --- the provider on a host of its own -----------------------------------------------------------


@pytest.fixture
def no_kind_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``kind`` on PATH: the host's own kind is the one that runs."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def kubeconfig_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "kind"


@pytest.mark.usefixtures("no_kind_on_path")
def test_the_host_runs_kind_on_its_image_and_config_and_hands_out_its_kubeconfig(
    kubeconfig_dir: Path,
) -> None:
    fake = FakeKind()
    host = FakeHost(fake)
    factory_calls: list[int] = []

    def factory() -> FakeHost:
        factory_calls.append(1)
        return host

    provider = KindProvider(run=_never_run, kubeconfig_dir=kubeconfig_dir, host=factory)
    access = provider.ensure()
    provider.ensure()

    assert factory_calls == [1]
    (create,) = [call for call in fake.calls if call[1:3] == ["create", "cluster"]]
    assert create[create.index("--image") + 1] == HOST_IMAGE
    config = written(kubeconfig_dir)
    assert all(node["extraMounts"] == [MOUNT] for node in config["nodes"])
    assert config["networking"] == {"kubeProxyMode": "nftables"}
    assert host.needs_asked == ["podchaos", "podchaos"]
    assert access.kubeconfig is not None
    assert access.kubeconfig.read_text() == HOST_KUBECONFIG
    assert ["kind", "get", "kubeconfig", "--name", "podchaos"] not in fake.calls


@pytest.mark.usefixtures("no_kind_on_path")
def test_the_users_node_image_wins_over_the_hosts(kubeconfig_dir: Path) -> None:
    fake = FakeKind()

    KindProvider(
        run=_never_run,
        kubeconfig_dir=kubeconfig_dir,
        image="kindest/node:v1.36.3",
        host=lambda: FakeHost(fake),
    ).ensure()

    (create,) = [call for call in fake.calls if call[1:3] == ["create", "cluster"]]
    assert create[create.index("--image") + 1] == "kindest/node:v1.36.3"


@pytest.mark.usefixtures("no_kind_on_path")
def test_nodes_from_the_hosts_image_are_asked_before_loading_through_its_engine(
    kubeconfig_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toolbox, traffic = tmp_path / "toolbox.tar", tmp_path / "traffic.tar"
    monkeypatch.setattr(
        "podchaos.cluster.kind.provider.podchaos_images",
        lambda _progress: [Preload(toolbox, TOOLBOX_IMAGE), Preload(traffic, TRAFFIC_IMAGE)],
    )
    # The image built here carries both, but one worker lost the traffic client.
    have = {node: {TOOLBOX_IMAGE, TRAFFIC_IMAGE} for node in NODES}
    have["podchaos-worker2"] = {TOOLBOX_IMAGE}
    fake = FakeKind(node_images=have)

    KindProvider(
        run=_never_run, kubeconfig_dir=kubeconfig_dir, load_toolbox=True, host=lambda: FakeHost(fake)
    ).ensure()

    asked = [call for call in fake.calls if call[:2] == ["nerdctl", "exec"]]
    assert len(asked) == 2 * len(NODES)
    loads = [call for call in fake.calls if call[1:2] == ["load"]]
    assert loads == [
        ["kind", "load", "image-archive", str(traffic), "--name", "podchaos", "--nodes", "podchaos-worker2"]
    ]


@pytest.mark.usefixtures("no_kind_on_path")
@pytest.mark.parametrize(
    ("keep", "existed", "stops"), [(False, False, 1), (True, False, 0), (False, True, 0)]
)
def test_the_engine_stops_only_after_deleting_a_cluster_podchaos_created(
    kubeconfig_dir: Path, keep: bool, existed: bool, stops: int
) -> None:
    fake = FakeKind(clusters=["podchaos"] if existed else [])
    host = FakeHost(fake)
    provider = KindProvider(run=_never_run, kubeconfig_dir=kubeconfig_dir, keep=keep, host=lambda: host)

    provider.ensure()
    provider.release()

    assert host.deleted == stops
    deleted = ["kind", "delete", "cluster", "--name", "podchaos"] in fake.calls
    assert deleted == bool(stops)
    # The deletion comes first: the engine is only stopped once the cluster is gone.
    if stops:
        assert fake.clusters == []


def test_without_a_host_of_its_own_the_provider_runs_kind_as_it_is(
    tmp_path: Path, kubeconfig_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    fake = FakeKind()

    with pytest.raises(ClusterSetupError, match="needs the `kind` command"):
        KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, host=lambda: None).ensure()
    assert fake.calls == []


def _never_run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    raise AssertionError(f"the provider's own runner ran {argv}: the host's should have")


# --- the tooling built here as the host -----------------------------------------------------------


@dataclass(frozen=True)
class FakeEngine(engine.Engine):
    """The engine's containers and stop, without a containerd."""

    held: tuple[str, ...] = ()
    stopped: list[int] = field(default_factory=list)

    def containers(self) -> list[str]:
        return list(self.held)

    def stop(self, remove_data: bool = False) -> None:
        self.stopped.append(1)


def built_here(tmp_path: Path, held: tuple[str, ...] = ()) -> tuple[BuiltHere, FakeEngine, list[Any]]:
    built = tools.KindTools(
        *(tmp_path / name for name in ("kind", "nerdctl", "containerd", "crictl", "kt", "dns"))
    )
    fake_engine = FakeEngine(built, held=held)
    image = nodeimage.NodeImage(tmp_path / "node.tar", HOST_IMAGE, "v1.37.2")
    env = {"PATH": "/built/bin", "KIND_EXPERIMENTAL_PROVIDER": "nerdctl", "NERDCTL_TOML": "/x/nerdctl.toml"}
    prepared = environment.KindEnvironment(
        tmp_path / "bin" / "kind", env, image, "nerdctl", tmp_path / "volumes", fake_engine
    )
    ran: list[Any] = []

    def runner(argv: list[str], run_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        ran.append((argv, run_env))
        return subprocess.CompletedProcess(argv, 0, "", "")

    said: list[str] = []
    return BuiltHere(prepared, said.append, runner, cgroup_v1=True), fake_engine, ran


def test_built_here_runs_its_own_kind_in_the_engines_environment(tmp_path: Path) -> None:
    host, _engine, ran = built_here(tmp_path)

    host.run(["kind", "get", "clusters"])
    host.run(["nerdctl", "exec", "n", "crictl", "inspecti", "x"])

    (kind_argv, kind_env), (nerdctl_argv, nerdctl_env) = ran
    assert kind_argv == [str(tmp_path / "bin" / "kind"), "get", "clusters"]
    assert nerdctl_argv[0] == "nerdctl"  # found on the environment's PATH
    for run_env in (kind_env, nerdctl_env):
        assert run_env["KIND_EXPERIMENTAL_PROVIDER"] == "nerdctl"
        assert run_env["PATH"] == "/built/bin"
        assert run_env["NERDCTL_TOML"] == "/x/nerdctl.toml"
    assert (host.engine, host.node_image) == ("nerdctl", HOST_IMAGE)


def test_built_here_needs_a_volume_directory_per_cluster_it_makes(tmp_path: Path) -> None:
    host, _engine, _ran = built_here(tmp_path)

    needs = host.config_needs("chaos-ci")

    assert needs.mounts == ((tmp_path / "volumes" / "chaos-ci", nodeimage.VOLUMES_IN_NODE),)
    assert (tmp_path / "volumes" / "chaos-ci").is_dir()
    assert (needs.kube_proxy_mode, needs.cgroup_v1) == (KUBE_PROXY_MODE, True)


@pytest.mark.parametrize(("held", "stops"), [((), 1), (("other-cluster-node",), 0)])
def test_built_here_stops_its_engine_only_when_it_holds_nothing_more(
    tmp_path: Path, held: tuple[str, ...], stops: int
) -> None:
    host, fake_engine, _ran = built_here(tmp_path, held)

    host.cluster_deleted()

    assert len(fake_engine.stopped) == stops


@pytest.mark.parametrize(
    ("environ", "docker", "as_it_is"),
    [({}, False, False), ({}, True, True), ({"KIND_EXPERIMENTAL_PROVIDER": "podman"}, False, True)],
)
def test_kind_runs_as_it_is_where_docker_answers_or_the_engine_is_chosen(
    environ: dict[str, str], docker: bool, as_it_is: bool
) -> None:
    assert uses_kind_as_it_is(environ, lambda: docker) is as_it_is


def test_nothing_is_built_where_kind_runs_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIND_EXPERIMENTAL_PROVIDER", "podman")

    def never(*_args: object) -> environment.KindEnvironment:
        raise AssertionError("prepared the tooling built here although kind runs as it is")

    monkeypatch.setattr(environment, "prepare", never)

    assert host_factory(None, print)() is None
