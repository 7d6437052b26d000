"""Build the cluster's binaries from Go modules and cache them by version and source hash.

Kubernetes is not packaged for Debian and no release download is reachable here, so the
components are compiled from the Go module proxy: one ``kube`` binary for the five Kubernetes
components (they share most packages, so one link instead of five), ``etcd``, ``coredns`` with only
the plugins the cluster DNS uses, and the sandbox ``pause`` process. A cold build takes many
minutes on two cores; later runs reuse the cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.local import kubemod
from podchaos.cluster.local.layout import COREDNS_VERSION, ETCD_VERSION, Layout
from podchaos.errors import ClusterSetupError
from podchaos.model.versions import KubeVersion

SOURCES = Path(__file__).resolve().parent / "gosrc"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class GoBinary:
    """A binary built from one of our small Go modules in ``gosrc/``."""

    module: str
    output: Path
    ldflags: str
    cgo: bool = False
    # For the kube binary: the Kubernetes release whose go.mod is generated (see kubemod).
    kubernetes: KubeVersion | None = None

    def source_hash(self) -> str:
        digest = hashlib.sha256()
        for path in sorted((SOURCES / self.module).iterdir()):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        digest.update(self.ldflags.encode())
        if self.kubernetes is not None:
            digest.update(f"{self.kubernetes} {KUBE_MODULE_RECIPE}".encode())
        return digest.hexdigest()[:16]


# Changes when kubemod writes the module differently, so binaries built the old way are rebuilt.
KUBE_MODULE_RECIPE = 1


def kube_ldflags(version: KubeVersion) -> str:
    """Link flags that stamp Kubernetes ``version`` into its components (``kubectl version`` and the like)."""
    base = "k8s.io/component-base/version"
    return " ".join(
        [
            "-s -w",
            f"-X {base}.gitVersion={version}",
            f"-X {base}.gitMajor={version.major}",
            f"-X {base}.gitMinor={version.minor}",
            f"-X {base}.gitTreeState=clean",
            f"-X {base}.buildDate=1970-01-01T00:00:00Z",
        ]
    )


def traffic(layout: Layout) -> GoBinary:
    """The traffic probe's client, standard library only."""
    return GoBinary("traffic", layout.traffic_binary, "-s -w")


def kube(layout: Layout) -> GoBinary:
    """The one binary of the Kubernetes components, for the layout's Kubernetes release."""
    version = KubeVersion.parse(layout.kubernetes_version)
    return GoBinary("kube", layout.kube_binary, kube_ldflags(version), kubernetes=version)


def binaries(layout: Layout) -> tuple[GoBinary, ...]:
    """Every binary the local cluster needs, smallest first."""
    return (
        GoBinary("pause", layout.bin / "pause" / "pause", "-s -w"),
        traffic(layout),
        GoBinary(
            "etcd", layout.etcd_binary, f"-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA={ETCD_VERSION}"
        ),
        GoBinary("coredns", layout.coredns_binary, coredns_ldflags()),
        kube(layout),
    )


# A cold build of the kube binary took 6 to 8 minutes on two cores; a build still going after this
# is wedged, not slow.
BUILD_TIMEOUT_S = 40 * 60.0
HEARTBEAT_S = 30.0


def coredns_ldflags() -> str:
    """Link flags of the CoreDNS builds."""
    return f"-s -w -X github.com/coredns/coredns/coremain.GitCommit={COREDNS_VERSION}"


def go_command() -> str:
    """The ``go`` on PATH; ClusterSetupError saying what is needed when there is none."""
    go = shutil.which("go")
    if go is None:
        raise ClusterSetupError(
            "the Go toolchain (go 1.21 or newer: it fetches the release our go.mod files name from "
            "the Go module proxy) is needed to build Kubernetes and etcd; put `go` on PATH"
        )
    return go


def run_build(
    argv: list[str], cwd: str, env: dict[str, str], log: Path, what: str, progress: Progress
) -> int:
    """Run ``go build`` with its output in ``log``, saying every ``HEARTBEAT_S`` that it still runs."""
    started = time.monotonic()
    with log.open("w") as log_file:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    return process.wait(timeout=HEARTBEAT_S)
                except subprocess.TimeoutExpired:
                    elapsed = time.monotonic() - started
                    if elapsed >= BUILD_TIMEOUT_S:
                        raise ClusterSetupError(
                            f"go build of {what} did not finish within {BUILD_TIMEOUT_S:.0f}s (log: {log})"
                        ) from None
                    progress(f"still building {what}: {elapsed / 60:.1f} min so far (log: {log})")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def ensure_built(binary: GoBinary, progress: Progress) -> Path:
    """Build ``binary`` unless a build of the same sources is cached; returns its path."""
    stamp = binary.output.with_name(binary.output.name + ".source")
    wanted = binary.source_hash()
    if binary.output.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return binary.output
    go = go_command()
    binary.output.parent.mkdir(parents=True, exist_ok=True)
    progress(f"building {binary.output.name} ({binary.module}) from Go modules; a cold build takes minutes")
    env = go_environment(binary.cgo)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"podchaos-build-{binary.module}-") as work:
        shutil.copytree(SOURCES / binary.module, work, dirs_exist_ok=True)
        partial = binary.output.with_name(binary.output.name + ".partial")
        log = binary.output.with_name(binary.output.name + ".build.log")
        if binary.kubernetes is not None:
            progress(f"writing the Go module of Kubernetes {binary.kubernetes} (go mod tidy)")
            kubemod.write_module(binary.kubernetes, Path(work), go, env, log)
            # Kept next to the binary: which dependency versions it was built from.
            for name in ("go.mod", "go.sum"):
                shutil.copyfile(Path(work) / name, binary.output.with_name(name))
        returncode = run_build(
            [go, "build", "-trimpath", "-ldflags", binary.ldflags, "-o", str(partial), "."],
            work,
            env,
            log,
            binary.module,
            progress,
        )
        if returncode != 0:
            tail = log.read_text(errors="replace")[-2000:]
            raise ClusterSetupError(f"go build of {binary.module} failed (log: {log}):\n{tail}")
    partial.replace(binary.output)
    stamp.write_text(wanted + "\n")
    progress(f"built {binary.output} in {(time.monotonic() - started) / 60:.1f} min")
    return binary.output


def go_environment(cgo: bool) -> dict[str, str]:
    """The environment of ``go build``: this one's (GOCACHE shared), with cgo as asked."""
    return {
        **os.environ,
        "CGO_ENABLED": "1" if cgo else "0",
        # An older go fetches the release the go.mod names from the module proxy instead of failing;
        # a toolchain the user chose (GOTOOLCHAIN=go1.27.3) is kept.
        "GOTOOLCHAIN": os.environ.get("GOTOOLCHAIN") or "auto",
        "GOFLAGS": "-mod=readonly",
    }


KUBE_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy")


def ensure_all(layout: Layout, progress: Progress) -> None:
    """Build or reuse every binary, and link the component names to the one ``kube`` binary."""
    for binary in binaries(layout):
        ensure_built(binary, progress)
    for component in KUBE_COMPONENTS:
        link = layout.kube_binary.parent / component
        if not link.is_symlink():
            link.unlink(missing_ok=True)
            link.symlink_to(layout.kube_binary.name)
