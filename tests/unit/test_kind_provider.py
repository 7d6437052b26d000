"""The kind provider: the exact kind commands it runs, checked with a fake runner and no kind installed.

Logic only: the fake answers from a tiny model of clusters, nodes and images; no cluster is created
here. That the commands work with a real kind is for the e2e tests that create a cluster.
"""

from __future__ import annotations

import re
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from podchaos.cluster.kind import KindProvider, cluster_names, preload
from podchaos.cluster.local import images
from podchaos.cluster.local.config import TOOLBOX_IMAGE, TRAFFIC_IMAGE
from podchaos.errors import ClusterSetupError

KUBECONFIG_TEXT = "apiVersion: v1\nkind: Config\ncurrent-context: kind-podchaos\n"

GET_CLUSTERS = ["kind", "get", "clusters"]
GET_KUBECONFIG = ["kind", "get", "kubeconfig", "--name", "podchaos"]
GET_NODES = ["kind", "get", "nodes", "--name", "podchaos"]
DELETE = ["kind", "delete", "cluster", "--name", "podchaos"]
NODES = ("podchaos-control-plane", "podchaos-worker", "podchaos-worker2")


def create(directory: Path, name: str = "podchaos", *extra: str) -> list[str]:
    """``kind create cluster`` for cluster ``name``, podchaos's files in ``directory``."""
    return [
        *["kind", "create", "cluster", "--name", name],
        *["--config", str(directory / f"kind-{name}.config.yaml"), *extra],
        *["--wait", "120s", "--kubeconfig", str(directory / f"kind-{name}.kubeconfig")],
    ]


@dataclass
class FakeKind:
    """Stands in for the kind CLI and the container engine under it: records every command and answers
    from a tiny model of clusters, their nodes (a control plane and two workers) and the images each
    node has."""

    clusters: list[str] = field(default_factory=list)
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)
    node_images: dict[str, set[str]] = field(default_factory=dict)

    def __call__(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(argv))
        if argv[0] in ("docker", "nerdctl") and argv[1:2] == ["exec"]:
            present = argv[-1] in self.node_images.get(argv[2], set())
            return subprocess.CompletedProcess(argv, 0 if present else 1, "", "")
        verb = " ".join(argv[1:3])
        name = argv[argv.index("--name") + 1] if "--name" in argv else ""
        if verb in self.fail:
            code, stderr = self.fail[verb]
            if verb == "create cluster" and "--retain" in argv:
                self.clusters.append(name)  # kind keeps the failed nodes for debugging
            return subprocess.CompletedProcess(argv, code, "", stderr)
        stdout = ""
        if verb == "get clusters":
            stdout = "".join(f"{cluster}\n" for cluster in self.clusters)
        elif verb == "get nodes":
            stdout = "".join(f"{node}\n" for node in NODES) if name in self.clusters else ""
        elif verb == "create cluster":
            self.clusters.append(name)
        elif verb == "delete cluster":
            self.clusters.remove(name)
        elif verb == "get kubeconfig":
            stdout = KUBECONFIG_TEXT
        elif verb == "export logs":
            (Path(argv[3]) / "kind-version.txt").write_text("kind v0.33.0\n")
        return subprocess.CompletedProcess(argv, 0, stdout, "")


@pytest.fixture
def kind_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``kind`` executable on PATH; never run, since the runner is faked."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kind = bin_dir / "kind"
    kind.write_text("#!/bin/sh\nexit 99\n")
    kind.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return kind


@pytest.fixture
def kubeconfig_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "kind"


def make_provider(
    fake: FakeKind,
    kubeconfig_dir: Path,
    *,
    cluster_name: str = "podchaos",
    image_archive: Path | None = None,
    keep: bool = True,
) -> KindProvider:
    return KindProvider(cluster_name, image_archive, keep, run=fake, kubeconfig_dir=kubeconfig_dir)


@pytest.mark.usefixtures("kind_on_path")
def test_creates_cluster_when_absent_and_records_it(kubeconfig_dir: Path) -> None:
    fake = FakeKind(clusters=["other"])
    provider = make_provider(fake, kubeconfig_dir)

    access = provider.ensure()

    assert fake.calls == [
        GET_CLUSTERS,
        create(kubeconfig_dir),
        GET_KUBECONFIG,
    ]
    assert provider.created is True
    assert access.provider == "kind"
    assert access.context == "kind-podchaos"
    assert access.kubeconfig == kubeconfig_dir / "kind-podchaos.kubeconfig"
    assert access.kubeconfig.read_text() == KUBECONFIG_TEXT
    assert stat.S_IMODE(access.kubeconfig.stat().st_mode) == 0o600
    assert "podchaos" in access.description
    assert "created" in access.description


@pytest.mark.usefixtures("kind_on_path")
def test_reuses_existing_cluster_without_creating(kubeconfig_dir: Path) -> None:
    fake = FakeKind(clusters=["other", "podchaos"])
    provider = make_provider(fake, kubeconfig_dir)

    access = provider.ensure()

    assert fake.calls == [GET_CLUSTERS, GET_KUBECONFIG]
    assert provider.created is False
    assert "reused" in access.description
    assert access.kubeconfig is not None
    assert access.kubeconfig.read_text() == KUBECONFIG_TEXT


@pytest.mark.usefixtures("kind_on_path")
def test_cluster_name_is_matched_exactly(kubeconfig_dir: Path) -> None:
    # "podchaos-2" contains "podchaos": a substring match would wrongly reuse it.
    fake = FakeKind(clusters=["podchaos-2"])

    make_provider(fake, kubeconfig_dir).ensure()

    assert create(kubeconfig_dir) in fake.calls


@pytest.mark.usefixtures("kind_on_path")
def test_custom_cluster_name_is_used_everywhere(kubeconfig_dir: Path) -> None:
    fake = FakeKind()
    provider = make_provider(fake, kubeconfig_dir, cluster_name="chaos-ci", keep=False)

    access = provider.ensure()
    provider.release()

    assert fake.calls == [
        GET_CLUSTERS,
        create(kubeconfig_dir, "chaos-ci"),
        ["kind", "get", "kubeconfig", "--name", "chaos-ci"],
        ["kind", "delete", "cluster", "--name", "chaos-ci"],
    ]
    assert access.context == "kind-chaos-ci"
    assert access.kubeconfig == kubeconfig_dir / "kind-chaos-ci.kubeconfig"


@pytest.mark.usefixtures("kind_on_path")
def test_loads_image_archive_after_cluster_is_ready(tmp_path: Path, kubeconfig_dir: Path) -> None:
    archive = tmp_path / "toolbox.tar"
    archive.write_bytes(b"not really a tar")
    fake = FakeKind(clusters=["podchaos"])

    make_provider(fake, kubeconfig_dir, image_archive=archive).ensure()

    assert fake.calls == [
        GET_CLUSTERS,
        GET_KUBECONFIG,
        GET_NODES,
        ["kind", "load", "image-archive", str(archive), "--name", "podchaos"],
    ]


@pytest.mark.usefixtures("kind_on_path")
def test_missing_image_archive_fails_before_creating(tmp_path: Path, kubeconfig_dir: Path) -> None:
    archive = tmp_path / "absent.tar"
    fake = FakeKind()

    with pytest.raises(ClusterSetupError, match=re.escape(str(archive))):
        make_provider(fake, kubeconfig_dir, image_archive=archive).ensure()

    assert fake.calls == []


@pytest.mark.usefixtures("kind_on_path")
def test_no_image_load_without_archive(kubeconfig_dir: Path) -> None:
    fake = FakeKind()

    make_provider(fake, kubeconfig_dir).ensure()

    assert not any(call[1] == "load" for call in fake.calls)


@pytest.mark.usefixtures("kind_on_path")
def test_release_deletes_created_cluster_when_not_kept(kubeconfig_dir: Path) -> None:
    fake = FakeKind()
    provider = make_provider(fake, kubeconfig_dir, keep=False)
    access = provider.ensure()
    assert access.kubeconfig is not None

    provider.release()

    assert fake.calls[-1] == DELETE
    assert fake.clusters == []
    assert provider.created is False
    assert not access.kubeconfig.exists()


@pytest.mark.usefixtures("kind_on_path")
def test_release_twice_deletes_once(kubeconfig_dir: Path) -> None:
    fake = FakeKind()
    provider = make_provider(fake, kubeconfig_dir, keep=False)
    provider.ensure()

    provider.release()
    provider.release()

    assert fake.calls.count(DELETE) == 1


@pytest.mark.usefixtures("kind_on_path")
def test_release_keeps_created_cluster_by_default(kubeconfig_dir: Path) -> None:
    fake = FakeKind()
    provider = make_provider(fake, kubeconfig_dir)
    provider.ensure()
    calls_after_ensure = list(fake.calls)

    provider.release()

    assert provider.keep is True
    assert fake.calls == calls_after_ensure
    assert fake.clusters == ["podchaos"]


@pytest.mark.usefixtures("kind_on_path")
def test_release_never_deletes_a_reused_cluster(kubeconfig_dir: Path) -> None:
    fake = FakeKind(clusters=["podchaos"])
    provider = make_provider(fake, kubeconfig_dir, keep=False)
    provider.ensure()

    provider.release()

    assert DELETE not in fake.calls
    assert fake.clusters == ["podchaos"]


def test_release_without_ensure_runs_nothing(kubeconfig_dir: Path) -> None:
    fake = FakeKind(clusters=["podchaos"])

    make_provider(fake, kubeconfig_dir, keep=False).release()

    assert fake.calls == []


def test_missing_kind_binary(tmp_path: Path, kubeconfig_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    fake = FakeKind()

    with pytest.raises(ClusterSetupError, match="`kind` is on PATH"):
        make_provider(fake, kubeconfig_dir).ensure()

    assert fake.calls == []


@pytest.mark.usefixtures("kind_on_path")
def test_failed_create_reports_command_and_stderr(kubeconfig_dir: Path) -> None:
    fake = FakeKind(fail={"create cluster": (1, "ERROR: failed to create cluster: docker not running\n")})
    provider = make_provider(fake, kubeconfig_dir, keep=False)

    with pytest.raises(ClusterSetupError) as caught:
        provider.ensure()

    message = str(caught.value)
    assert "kind create cluster --name podchaos --config" in message
    assert "exit status 1" in message
    assert "docker not running" in message
    assert provider.created is False


@pytest.mark.usefixtures("kind_on_path")
def test_failure_after_create_still_lets_release_delete(tmp_path: Path, kubeconfig_dir: Path) -> None:
    archive = tmp_path / "toolbox.tar"
    archive.write_bytes(b"x")
    fake = FakeKind(fail={"load image-archive": (1, "ERROR: image load failed")})
    provider = make_provider(fake, kubeconfig_dir, image_archive=archive, keep=False)

    with pytest.raises(ClusterSetupError, match=r"kind load image-archive .*toolbox.tar --name podchaos"):
        provider.ensure()
    assert provider.created is True

    provider.release()

    assert fake.calls[-1] == DELETE


@pytest.mark.usefixtures("kind_on_path")
def test_failed_delete_is_reported(kubeconfig_dir: Path) -> None:
    fake = FakeKind(fail={"delete cluster": (2, "ERROR: cannot delete")})
    provider = make_provider(fake, kubeconfig_dir, keep=False)
    provider.ensure()

    with pytest.raises(ClusterSetupError, match="kind delete cluster --name podchaos") as caught:
        provider.release()

    assert "cannot delete" in str(caught.value)


@pytest.mark.usefixtures("kind_on_path")
def test_runner_os_error_becomes_cluster_setup_error(kubeconfig_dir: Path) -> None:
    def broken(argv: list[str]) -> subprocess.CompletedProcess[str]:
        raise FileNotFoundError(2, "No such file or directory", argv[0])

    provider = KindProvider(run=broken, kubeconfig_dir=kubeconfig_dir)

    with pytest.raises(ClusterSetupError, match="kind get clusters") as caught:
        provider.ensure()
    assert isinstance(caught.value.__cause__, FileNotFoundError)


@pytest.mark.usefixtures("kind_on_path")
def test_runner_timeout_becomes_cluster_setup_error(kubeconfig_dir: Path) -> None:
    def slow(argv: list[str]) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(argv, 900)

    provider = KindProvider(run=slow, kubeconfig_dir=kubeconfig_dir)

    with pytest.raises(ClusterSetupError, match="did not finish within 900s"):
        provider.ensure()


def test_cluster_names_parses_one_name_per_line() -> None:
    assert cluster_names("podchaos\nother\n\n") == ("podchaos", "other")
    assert cluster_names("") == ()


def test_default_kubeconfig_dir_follows_cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(tmp_path / "pc-cache"))

    assert KindProvider().kubeconfig_path == tmp_path / "pc-cache" / "kind" / "kind-podchaos.kubeconfig"

    monkeypatch.delenv("PODCHAOS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    assert (
        KindProvider().kubeconfig_path == tmp_path / "xdg" / "podchaos" / "kind" / "kind-podchaos.kubeconfig"
    )


@pytest.fixture
def built_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The toolbox archive built from this machine's static busybox, and a stand-in traffic archive
    (building the real one needs Go: the e2e tests do)."""
    if not images.is_static_executable(images.BUSYBOX):
        pytest.fail(
            f"{images.BUSYBOX} is not a static executable: the Debian package busybox-static is needed"
        )
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(tmp_path / "cache"))
    traffic = tmp_path / "traffic.tar"
    monkeypatch.setattr(preload, "traffic_archive", lambda _progress: traffic)
    return tmp_path / "cache" / "images" / "toolbox.tar", traffic


def load(archive: Path, *nodes: str) -> list[str]:
    command = ["kind", "load", "image-archive", str(archive), "--name", "podchaos"]
    return command + (["--nodes", ",".join(nodes)] if nodes else [])


@pytest.mark.usefixtures("kind_on_path")
def test_a_created_cluster_gets_the_toolbox_built_from_the_static_busybox(
    kubeconfig_dir: Path, built_images: tuple[Path, Path]
) -> None:
    toolbox, traffic = built_images
    fake = FakeKind()
    said: list[str] = []
    provider = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, load_toolbox=True, progress=said.append)

    provider.ensure()

    # Every node of a cluster podchaos created gets both, without asking the nodes first.
    assert fake.calls[-3:] == [GET_NODES, load(toolbox), load(traffic)]
    assert not [call for call in fake.calls if call[0] == "docker"]
    assert images.archive_references(toolbox) == [TOOLBOX_IMAGE]
    assert any(str(toolbox) in line for line in said), said


@pytest.mark.usefixtures("kind_on_path")
def test_a_reused_cluster_gets_the_images_on_the_nodes_that_lack_them(
    kubeconfig_dir: Path, built_images: tuple[Path, Path]
) -> None:
    toolbox, traffic = built_images
    # kind-action made the cluster; one worker already pulled the real busybox, none has our client.
    fake = FakeKind(clusters=["podchaos"], node_images={"podchaos-worker": {TOOLBOX_IMAGE}})
    provider = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, load_toolbox=True)

    provider.ensure()

    loads = [call for call in fake.calls if call[1] == "load"]
    assert loads == [load(toolbox, "podchaos-control-plane", "podchaos-worker2"), load(traffic)]
    asked = [call for call in fake.calls if call[0] == "docker"]
    assert ["docker", "exec", "podchaos-worker", "crictl", "inspecti", TOOLBOX_IMAGE] in asked
    assert ["docker", "exec", "podchaos-worker2", "crictl", "inspecti", TRAFFIC_IMAGE] in asked
    assert provider.created is False


@pytest.mark.usefixtures("kind_on_path")
def test_a_reused_cluster_that_has_the_images_gets_nothing_loaded(
    kubeconfig_dir: Path, built_images: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIND_EXPERIMENTAL_PROVIDER", "nerdctl")
    everything = {node: {TOOLBOX_IMAGE, TRAFFIC_IMAGE} for node in NODES}
    fake = FakeKind(clusters=["podchaos"], node_images=everything)

    def engine_is_nerdctl(argv: list[str]) -> subprocess.CompletedProcess[str]:
        if argv[0] == "nerdctl":
            return fake(["docker", *argv[1:]])
        assert argv[0] == "kind", argv
        return fake(argv)

    said: list[str] = []
    KindProvider(
        run=engine_is_nerdctl, kubeconfig_dir=kubeconfig_dir, load_toolbox=True, progress=said.append
    ).ensure()

    assert not [call for call in fake.calls if call[1] == "load"]
    assert len([call for call in fake.calls if call[0] == "docker"]) == 6  # 3 nodes x 2 images
    assert any("every node" in line and TRAFFIC_IMAGE in line for line in said), said


@pytest.mark.usefixtures("kind_on_path")
def test_without_a_static_busybox_the_kind_nodes_pull_the_toolbox(
    tmp_path: Path, kubeconfig_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamic = tmp_path / "busybox"
    dynamic.write_bytes(Path("/bin/sh").resolve().read_bytes())  # a dynamically linked executable
    monkeypatch.setattr(images, "BUSYBOX", dynamic)
    monkeypatch.setattr(preload, "traffic_archive", lambda _progress: None)
    fake = FakeKind()
    said: list[str] = []
    provider = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, load_toolbox=True, progress=said.append)

    provider.ensure()

    assert not [call for call in fake.calls if call[1] == "load"], "nothing may be loaded without an archive"
    assert any("pull" in line and TOOLBOX_IMAGE in line for line in said), said


@pytest.mark.usefixtures("kind_on_path")
def test_a_second_session_reuses_what_the_first_created_under_the_set_up_lock(kubeconfig_dir: Path) -> None:
    # xdist workers: the first creates the cluster holding the set-up lock (tests/unit/test_cluster_lock.py
    # shows a waiter blocks); the next one reuses it and loads nothing.
    fake = FakeKind()
    first = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir)
    lock = kubeconfig_dir / "kind-podchaos.lock"
    first.ensure()
    second = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir)
    second.ensure()

    assert [first.created, second.created] == [True, False]
    assert lock.exists(), "no set-up lock next to the kubeconfig"
    assert lock.read_text() == "", "the lock was not released"


def written_config(kubeconfig_dir: Path) -> dict[str, object]:
    document = yaml.safe_load((kubeconfig_dir / "kind-podchaos.config.yaml").read_text())
    assert isinstance(document, dict)
    return document


@pytest.mark.usefixtures("kind_on_path")
def test_a_created_cluster_has_a_control_plane_and_two_workers(kubeconfig_dir: Path) -> None:
    fake = FakeKind()

    make_provider(fake, kubeconfig_dir).ensure()

    assert create(kubeconfig_dir) in fake.calls
    config = written_config(kubeconfig_dir)
    assert (config["kind"], config["apiVersion"]) == ("Cluster", "kind.x-k8s.io/v1alpha4")
    assert config["nodes"] == [{"role": "control-plane"}, {"role": "worker"}, {"role": "worker"}]


@pytest.mark.usefixtures("kind_on_path")
def test_the_users_kind_config_is_what_the_cluster_is_created_from(
    tmp_path: Path, kubeconfig_dir: Path
) -> None:
    users = tmp_path / "kind.yaml"
    text = (
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n"
    )
    users.write_text(text)
    fake = FakeKind()
    said: list[str] = []
    provider = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, config=users, progress=said.append)

    provider.ensure()

    assert create(kubeconfig_dir) in fake.calls
    assert (kubeconfig_dir / "kind-podchaos.config.yaml").read_text() == text
    # One worker: node faults have nowhere to move pods, and the user is told so before the run.
    assert any(str(users) in line and "node-drain" in line for line in said), said


@pytest.mark.usefixtures("kind_on_path")
def test_a_bad_kind_config_fails_before_any_kind_command(tmp_path: Path, kubeconfig_dir: Path) -> None:
    users = tmp_path / "kind.yaml"
    users.write_text(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- rol: worker\n"
    )
    fake = FakeKind()

    with pytest.raises(ClusterSetupError, match=re.escape(f"kind config {users}: nodes[1].rol: not a field")):
        KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, config=users).ensure()

    assert fake.calls == []


@pytest.mark.usefixtures("kind_on_path")
@pytest.mark.parametrize(
    ("image", "kubernetes", "expected"),
    [
        (None, None, None),  # kind's own default image
        (None, "v1.36.3", "kindest/node:v1.36.3"),
        ("registry.example/node:v1.35.4", None, "registry.example/node:v1.35.4"),
    ],
)
def test_the_node_image_is_the_named_one_or_the_releases(
    kubeconfig_dir: Path, image: str | None, kubernetes: str | None, expected: str | None
) -> None:
    fake = FakeKind()

    KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, image=image, kubernetes=kubernetes).ensure()

    extra = ("--image", expected) if expected else ()
    assert create(kubeconfig_dir, "podchaos", *extra) in fake.calls


@pytest.mark.usefixtures("kind_on_path")
def test_a_node_image_built_here_can_stand_in_for_kinds(kubeconfig_dir: Path) -> None:
    # Where no registry is reachable, the release's node image comes from elsewhere (built locally).
    asked: list[str | None] = []

    def built_here(kubernetes: str | None) -> str:
        asked.append(kubernetes)
        return f"podchaos.local/kind-node:{kubernetes or 'default'}"

    fake = FakeKind()
    KindProvider(
        run=fake, kubeconfig_dir=kubeconfig_dir, kubernetes="v1.37.2", node_image=built_here
    ).ensure()
    KindProvider(
        run=fake, kubeconfig_dir=kubeconfig_dir, cluster_name="other", node_image=built_here
    ).ensure()

    assert asked == ["v1.37.2", None]
    assert create(kubeconfig_dir, "podchaos", "--image", "podchaos.local/kind-node:v1.37.2") in fake.calls
    assert create(kubeconfig_dir, "other", "--image", "podchaos.local/kind-node:default") in fake.calls


@pytest.mark.usefixtures("kind_on_path")
def test_a_reused_cluster_is_taken_as_it_is_and_the_user_is_told(
    tmp_path: Path, kubeconfig_dir: Path
) -> None:
    users = tmp_path / "kind.yaml"
    users.write_text("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n")
    fake = FakeKind(clusters=["podchaos"])
    said: list[str] = []

    KindProvider(
        run=fake, kubeconfig_dir=kubeconfig_dir, config=users, kubernetes="v1.36.3", progress=said.append
    ).ensure()

    assert fake.calls == [GET_CLUSTERS, GET_KUBECONFIG]
    assert any("reused as it is" in line for line in said), said


@pytest.mark.usefixtures("kind_on_path")
def test_a_failed_create_leaves_kinds_logs_and_no_nodes(tmp_path: Path, kubeconfig_dir: Path) -> None:
    logs = tmp_path / "reports" / "run" / "kind-logs"
    fake = FakeKind(fail={"create cluster": (1, "ERROR: failed to create cluster: kubelet not healthy")})
    provider = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, keep=False, logs_dir=logs)

    with pytest.raises(ClusterSetupError) as caught:
        provider.ensure()

    assert fake.calls == [
        GET_CLUSTERS,
        create(kubeconfig_dir, "podchaos", "--retain"),
        GET_CLUSTERS,
        ["kind", "export", "logs", str(logs), "--name", "podchaos"],
        DELETE,
    ]
    message = str(caught.value)
    assert "kubelet not healthy" in message
    assert f"kind's logs of the failed nodes: {logs}" in message
    assert (logs / "kind-version.txt").is_file()
    assert fake.clusters == []
    assert provider.created is False


@pytest.mark.usefixtures("kind_on_path")
def test_without_a_logs_directory_a_failed_create_is_not_retained(kubeconfig_dir: Path) -> None:
    fake = FakeKind(fail={"create cluster": (1, "ERROR: boom")})

    with pytest.raises(ClusterSetupError, match="boom"):
        make_provider(fake, kubeconfig_dir).ensure()

    assert fake.calls == [GET_CLUSTERS, create(kubeconfig_dir)]


@pytest.mark.usefixtures("kind_on_path")
def test_export_logs_writes_kinds_logs_into_the_directory(tmp_path: Path, kubeconfig_dir: Path) -> None:
    fake = FakeKind(clusters=["podchaos"])
    provider = make_provider(fake, kubeconfig_dir)

    assert provider.export_logs(tmp_path / "logs") == tmp_path / "logs"

    assert fake.calls == [["kind", "export", "logs", str(tmp_path / "logs"), "--name", "podchaos"]]
    assert (tmp_path / "logs" / "kind-version.txt").is_file()


@pytest.mark.usefixtures("kind_on_path")
def test_a_machine_can_supply_podchaos_own_config(kubeconfig_dir: Path) -> None:
    from podchaos.cluster.kind.config import default_config

    mount = {"hostPath": "/run/podchaos/cgroups", "containerPath": "/proc/cgroups"}
    fake = FakeKind()

    KindProvider(
        run=fake,
        kubeconfig_dir=kubeconfig_dir,
        own_config=lambda: default_config(node_fields={"extraMounts": [mount]}),
    ).ensure()

    assert create(kubeconfig_dir) in fake.calls
    nodes = written_config(kubeconfig_dir)["nodes"]
    assert isinstance(nodes, list)
    assert [node["extraMounts"] for node in nodes] == [[mount]] * 3
