"""The local cluster's host checks: each unusable machine gets a ClusterSetupError saying what and why.

Pure: the platform, uid, capability mask and cgroup directory are passed in; the port case binds a real
socket on 127.0.0.1 to an ephemeral port. Nothing here needs root or touches the running cluster.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from podchaos.cluster.local import host
from podchaos.cluster.local.daemons import required_ports
from podchaos.cluster.local.layout import APISERVER_PORT, ETCD_CLIENT_PORT, Layout
from podchaos.errors import ClusterSetupError

ALL_CAPS = (1 << 41) - 1
WITHOUT_NET_ADMIN = ALL_CAPS & ~(1 << host.CAP_NET_ADMIN)
WITHOUT_SYS_ADMIN = ALL_CAPS & ~(1 << host.CAP_SYS_ADMIN)


def _no_proc() -> int:
    raise AssertionError("read /proc on a machine that is not Linux")


@pytest.fixture
def cgroup_v2(tmp_path: Path) -> Path:
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    return tmp_path


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A socket of this process listening on 127.0.0.1 at a port the kernel picked."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def test_a_usable_machine_passes(cgroup_v2: Path) -> None:
    host.check_platform(system="Linux", euid=0, capabilities=ALL_CAPS, cgroup_base=cgroup_v2)


def test_a_cgroup_v1_memory_hierarchy_is_enough(tmp_path: Path) -> None:
    (tmp_path / "memory").mkdir()
    host.check_platform(system="Linux", euid=0, capabilities=ALL_CAPS, cgroup_base=tmp_path)


def test_not_linux_is_refused_before_anything_linux_only_is_read(
    cgroup_v2: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on Windows or macOS: no os.geteuid, no /proc. The check must refuse before reaching either.
    monkeypatch.delattr(os, "geteuid")
    monkeypatch.setattr(host, "effective_capabilities", _no_proc)
    with pytest.raises(ClusterSetupError) as error:
        host.check_platform(system="Darwin", cgroup_base=cgroup_v2)
    message = str(error.value)
    assert "Linux only" in message, message
    assert "Darwin" in message, message
    assert "--podchaos-kubeconfig" in message, f"no alternative offered: {message}"


def test_not_root_is_refused_with_the_uid_and_how_to_run_as_root(cgroup_v2: Path) -> None:
    with pytest.raises(ClusterSetupError) as error:
        host.check_platform(system="Linux", euid=1000, capabilities=ALL_CAPS, cgroup_base=cgroup_v2)
    message = str(error.value)
    assert "needs root" in message, message
    assert "uid 1000" in message, message
    assert "sudo" in message, f"no remedy offered: {message}"


@pytest.mark.parametrize(
    ("mask", "missing", "present"),
    [
        (WITHOUT_NET_ADMIN, "CAP_NET_ADMIN", "CAP_SYS_ADMIN"),
        (WITHOUT_SYS_ADMIN, "CAP_SYS_ADMIN", "CAP_NET_ADMIN"),
    ],
)
def test_a_missing_capability_is_named(cgroup_v2: Path, mask: int, missing: str, present: str) -> None:
    with pytest.raises(ClusterSetupError) as error:
        host.check_platform(system="Linux", euid=0, capabilities=mask, cgroup_base=cgroup_v2)
    message = str(error.value)
    assert missing in message, message
    assert present not in message, f"names a capability the process has: {message}"
    assert f"{mask:#x}" in message, f"effective mask not shown: {message}"
    assert "--privileged" in message, f"no remedy offered: {message}"


def test_both_capabilities_missing_are_named_together(cgroup_v2: Path) -> None:
    mask = ALL_CAPS & ~(1 << host.CAP_NET_ADMIN) & ~(1 << host.CAP_SYS_ADMIN)
    with pytest.raises(ClusterSetupError, match="CAP_SYS_ADMIN and CAP_NET_ADMIN"):
        host.check_platform(system="Linux", euid=0, capabilities=mask, cgroup_base=cgroup_v2)


def test_no_memory_cgroup_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ClusterSetupError, match="no memory cgroup found under"):
        host.check_platform(system="Linux", euid=0, capabilities=ALL_CAPS, cgroup_base=tmp_path)


def test_effective_capabilities_reads_capeff(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nCapPrm:\t0000000000000000\nCapEff:\t0000000000003000\n")
    assert host.effective_capabilities(status) == (1 << 12) | (1 << 13)


def test_effective_capabilities_without_capeff_is_an_error_not_zero(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("Name:\tpython\n")
    with pytest.raises(ClusterSetupError, match="no CapEff"):
        host.effective_capabilities(status)
    with pytest.raises(ClusterSetupError, match="cannot read"):
        host.effective_capabilities(tmp_path / "absent")


def test_a_taken_port_names_the_port_the_component_and_the_holder(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    assert host.port_in_use("127.0.0.1", port)

    with pytest.raises(ClusterSetupError) as error:
        host.check_ports_free([("127.0.0.1", port, "kube-scheduler")])
    message = str(error.value)
    assert f"port {port}" in message, message
    assert "kube-scheduler" in message, message
    # This process holds the socket, so its own /proc entries say who: no root needed.
    assert f"PID {os.getpid()}" in message, f"holder not named: {message}"
    assert "stop that program" in message, message


def test_a_port_taken_on_one_address_is_taken_for_all_addresses(listener: socket.socket) -> None:
    # The apiserver and kubelets are probed on 0.0.0.0: a listener on 127.0.0.1 still blocks them.
    port = listener.getsockname()[1]
    with pytest.raises(ClusterSetupError, match=f"port {port} on 0.0.0.0, needed by kubelet"):
        host.check_ports_free([("0.0.0.0", port, "kubelet of podchaos-node-1")])


def test_free_ports_pass(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    listener.close()
    assert not host.port_in_use("127.0.0.1", port)
    host.check_ports_free([("127.0.0.1", port, "etcd")])


def test_the_first_taken_port_is_reported(listener: socket.socket) -> None:
    taken = listener.getsockname()[1]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        free = other.getsockname()[1]
    with pytest.raises(ClusterSetupError) as error:
        host.check_ports_free([("127.0.0.1", free, "etcd"), ("127.0.0.1", taken, "kube-apiserver")])
    assert f"port {taken}" in str(error.value)
    assert "kube-apiserver" in str(error.value)
    assert "etcd" not in str(error.value)


def test_port_holder_is_none_for_a_port_nobody_holds(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    listener.close()
    assert host.port_holder(port) is None


def test_an_address_that_cannot_be_probed_is_an_error_not_taken() -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: binding it fails with EADDRNOTAVAIL.
    with pytest.raises(ClusterSetupError, match=r"cannot check whether 192\.0\.2\.1:"):
        host.port_in_use("192.0.2.1", 0)


def test_every_component_port_is_checked() -> None:
    wanted = required_ports(Layout(Path("/nonexistent/state"), Path("/nonexistent/run"), Path("/x")))
    users = {user for _address, _port, user in wanted}
    ports = [port for _address, port, _user in wanted]
    assert len(ports) == len(set(ports)), f"a port is listed twice: {wanted}"
    assert {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} <= users, users
    for node in ("podchaos-node-1", "podchaos-node-2"):
        assert f"kubelet of {node}" in users, users
    assert ("127.0.0.1", ETCD_CLIENT_PORT, "etcd") in wanted
    assert ("0.0.0.0", APISERVER_PORT, "kube-apiserver") in wanted
