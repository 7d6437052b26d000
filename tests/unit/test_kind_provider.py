"""The kind provider: the exact kind commands it runs, checked with a fake runner and no kind installed."""

from __future__ import annotations

import re
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from podchaos.cluster.kind import KindProvider, cluster_names
from podchaos.cluster.local import images
from podchaos.cluster.local.config import TOOLBOX_IMAGE
from podchaos.errors import ClusterSetupError

KUBECONFIG_TEXT = "apiVersion: v1\nkind: Config\ncurrent-context: kind-podchaos\n"

GET_CLUSTERS = ["kind", "get", "clusters"]
CREATE = ["kind", "create", "cluster", "--name", "podchaos", "--wait", "120s"]
GET_KUBECONFIG = ["kind", "get", "kubeconfig", "--name", "podchaos"]
DELETE = ["kind", "delete", "cluster", "--name", "podchaos"]


@dataclass
class FakeKind:
    """Stands in for the kind CLI: records every command and answers from a tiny model of clusters."""

    clusters: list[str] = field(default_factory=list)
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(argv))
        verb = " ".join(argv[1:3])
        if verb in self.fail:
            code, stderr = self.fail[verb]
            return subprocess.CompletedProcess(argv, code, "", stderr)
        stdout = ""
        if verb == "get clusters":
            stdout = "".join(f"{name}\n" for name in self.clusters)
        elif verb == "create cluster":
            self.clusters.append(argv[argv.index("--name") + 1])
        elif verb == "delete cluster":
            self.clusters.remove(argv[argv.index("--name") + 1])
        elif verb == "get kubeconfig":
            stdout = KUBECONFIG_TEXT
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
        [*CREATE, "--kubeconfig", str(kubeconfig_dir / "kind-podchaos.kubeconfig")],
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

    assert [*CREATE, "--kubeconfig", str(kubeconfig_dir / "kind-podchaos.kubeconfig")] in fake.calls


@pytest.mark.usefixtures("kind_on_path")
def test_custom_cluster_name_is_used_everywhere(kubeconfig_dir: Path) -> None:
    fake = FakeKind()
    provider = make_provider(fake, kubeconfig_dir, cluster_name="chaos-ci", keep=False)

    access = provider.ensure()
    provider.release()

    assert fake.calls == [
        GET_CLUSTERS,
        [
            "kind",
            "create",
            "cluster",
            "--name",
            "chaos-ci",
            "--wait",
            "120s",
            "--kubeconfig",
            str(kubeconfig_dir / "kind-chaos-ci.kubeconfig"),
        ],
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
    assert "kind create cluster --name podchaos --wait 120s" in message
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


@pytest.mark.usefixtures("kind_on_path")
def test_a_created_cluster_gets_the_toolbox_built_from_the_static_busybox(
    tmp_path: Path, kubeconfig_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not images.is_static_executable(images.BUSYBOX):
        pytest.fail(
            f"{images.BUSYBOX} is not a static executable: the Debian package busybox-static is needed"
        )
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(tmp_path / "cache"))
    traffic = tmp_path / "traffic.tar"
    monkeypatch.setattr(KindProvider, "_traffic_archive", lambda _self: traffic)
    fake = FakeKind()
    said: list[str] = []
    provider = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, load_toolbox=True, progress=said.append)

    provider.ensure()

    archive = tmp_path / "cache" / "images" / "toolbox.tar"
    assert fake.calls[-2:] == [
        ["kind", "load", "image-archive", str(archive), "--name", "podchaos"],
        ["kind", "load", "image-archive", str(traffic), "--name", "podchaos"],
    ]
    assert images.archive_references(archive) == [TOOLBOX_IMAGE]
    assert any(str(archive) in line for line in said), said


@pytest.mark.usefixtures("kind_on_path")
def test_a_reused_cluster_keeps_its_own_toolbox_image(
    tmp_path: Path, kubeconfig_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(tmp_path / "cache"))
    fake = FakeKind(clusters=["podchaos"])
    said: list[str] = []
    provider = KindProvider(run=fake, kubeconfig_dir=kubeconfig_dir, load_toolbox=True, progress=said.append)

    provider.ensure()

    assert fake.calls == [GET_CLUSTERS, GET_KUBECONFIG], "someone else's cluster got our image"
    assert any("reused" in line and TOOLBOX_IMAGE in line for line in said), said
    assert not (tmp_path / "cache" / "images").exists()


@pytest.mark.usefixtures("kind_on_path")
def test_without_a_static_busybox_the_kind_nodes_pull_the_toolbox(
    tmp_path: Path, kubeconfig_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamic = tmp_path / "busybox"
    dynamic.write_bytes(Path("/bin/sh").resolve().read_bytes())  # a dynamically linked executable
    monkeypatch.setattr(images, "BUSYBOX", dynamic)
    monkeypatch.setattr(KindProvider, "_traffic_archive", lambda _self: None)
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
