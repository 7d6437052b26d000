"""The programs a kind cluster needs on a machine without Docker, built from Go modules and cached.

``kind`` itself; ``nerdctl`` and a containerd v2 for kind's nerdctl provider (Debian's containerd 1.6
refuses kind's ``--restart=on-failure:1``); and, for the node image, ``kubeadm``/``kubectl`` of the
chosen Kubernetes release (one ``kubetools`` binary, a module of its own beside the local cluster's
``kube`` binary, which keeps its cache key; both share GOCACHE, so the Kubernetes packages compiled
for the local cluster are reused) and a CoreDNS with the plugins kubeadm's Corefile names.

Upstream programs are built in a copy of their own module (``go mod download`` fetches it from the
module proxy), so their go.mod, replace directives included, is the one used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.local import build
from podchaos.cluster.local.build import GoBinary
from podchaos.cluster.local.layout import COREDNS_VERSION, Layout
from podchaos.errors import ClusterSetupError
from podchaos.k8s.tools import HELM_MODULE, HELM_VERSION, helm_dir, kubetools_dir
from podchaos.model.versions import KubeVersion

Progress = Callable[[str], None]

KIND_MODULE = "sigs.k8s.io/kind"
KIND_VERSION = "v0.33.0"
# v2.4.2 needs a dependency the module proxy refuses; v2.2.1 builds once its test-only helper is set
# aside (it imports a test module its go.mod does not require).
NERDCTL_MODULE = "github.com/containerd/nerdctl/v2"
NERDCTL_VERSION = "v2.2.1"
CONTAINERD_MODULE = "github.com/containerd/containerd/v2"
CONTAINERD_VERSION = "v2.2.1"
CRI_TOOLS_MODULE = "sigs.k8s.io/cri-tools"
CRI_TOOLS_VERSION = "v1.37.0"
# Changes when these recipes build differently, so binaries built the old way are rebuilt.
RECIPE = 1


@dataclass(frozen=True)
class UpstreamTool:
    """Commands built from one upstream Go module at one version, into ``directory``."""

    module: str
    version: str
    commands: tuple[str, ...]
    directory: Path
    set_aside: tuple[str, ...] = ()
    # Linker flags beside -s -w, such as the -X version stamp the upstream Makefile sets.
    ldflags: str = ""

    def outputs(self) -> list[Path]:
        # `go build -o dir/ .` names the program after the module path's last element.
        names = [Path(self.module if command == "." else command).name for command in self.commands]
        return [self.directory / name for name in names]

    def key(self) -> str:
        text = f"{self.module}@{self.version} {self.commands} {self.set_aside} {RECIPE}"
        # Only a tool with flags of its own keys on them: the others' cached builds stay valid.
        text += f" {self.ldflags}" if self.ldflags else ""
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def upstream_tools(layout: Layout) -> tuple[UpstreamTool, ...]:
    """kind, containerd (with its runc shim and ``ctr``), nerdctl and crictl."""
    base = layout.bin / "kind"
    return (
        UpstreamTool(KIND_MODULE, KIND_VERSION, (".",), base / f"kind-{KIND_VERSION}"),
        UpstreamTool(
            CONTAINERD_MODULE,
            CONTAINERD_VERSION,
            ("./cmd/containerd", "./cmd/containerd-shim-runc-v2", "./cmd/ctr"),
            base / f"containerd-{CONTAINERD_VERSION}",
        ),
        UpstreamTool(
            NERDCTL_MODULE,
            NERDCTL_VERSION,
            ("./cmd/nerdctl",),
            base / f"nerdctl-{NERDCTL_VERSION}",
            set_aside=("cmd/nerdctl/helpers/testing_linux.go",),
        ),
        # kind asks the node's crictl which images it has (kind load, logs).
        UpstreamTool(
            CRI_TOOLS_MODULE, CRI_TOOLS_VERSION, ("./cmd/crictl",), base / f"crictl-{CRI_TOOLS_VERSION}"
        ),
    )


def helm_tool(layout: Layout) -> UpstreamTool:
    """helm, which renders ``workload.helm`` charts (``helm template``) where none is on PATH."""
    # helm's Makefile stamps the release; without it `helm version` says only the minor (v4.3).
    stamp = f"-X {HELM_MODULE}/internal/version.version={HELM_VERSION}"
    return UpstreamTool(HELM_MODULE, HELM_VERSION, ("./cmd/helm",), helm_dir(layout.cache), ldflags=stamp)


def kind_module_dir() -> Path:
    """The ``sigs.k8s.io/kind`` module's source (its ``images/base`` files), from the module cache."""
    return module_dir(build.go_command(), KIND_MODULE, KIND_VERSION, build.go_environment(cgo=False))


def module_dir(go: str, module: str, version: str, env: dict[str, str]) -> Path:
    """Where the module cache holds ``module@version``, downloaded from the module proxy if needed."""
    wanted = f"{module}@{version}"
    completed = subprocess.run(
        [go, "mod", "download", "-json", wanted],
        env={**env, "GOFLAGS": "-mod=mod"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        answer = json.loads(completed.stdout)
    except json.JSONDecodeError:
        answer = {}
    if completed.returncode != 0 or not answer.get("Dir"):
        raise ClusterSetupError(
            f"the Go module proxy did not serve {wanted}: {answer.get('Error') or completed.stderr.strip()}"
        )
    return Path(answer["Dir"])


def ensure_upstream(tool: UpstreamTool, progress: Progress) -> list[Path]:
    """Build ``tool`` unless the same build is cached; returns the programs' paths."""
    stamp = tool.directory / ".source"
    outputs = tool.outputs()
    if all(path.exists() for path in outputs) and stamp.exists() and stamp.read_text().strip() == tool.key():
        return outputs
    go = build.go_command()
    env = build.go_environment(cgo=False)
    started = time.monotonic()
    progress(f"building {tool.module}@{tool.version} from Go modules; a cold build takes minutes")
    source = module_dir(go, tool.module, tool.version, env)
    tool.directory.mkdir(parents=True, exist_ok=True)
    log = tool.directory / "build.log"
    with tempfile.TemporaryDirectory(prefix="podchaos-build-") as work:
        copy = Path(work) / "src"
        shutil.copytree(source, copy)
        for path in [copy, *copy.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
        for relative in tool.set_aside:
            (copy / relative).unlink(missing_ok=True)
        partial = Path(work) / "out"
        partial.mkdir()
        ldflags = f"-s -w {tool.ldflags}".strip()
        argv = [go, "build", "-trimpath", "-ldflags", ldflags, "-o", str(partial) + "/", *tool.commands]
        returncode = build.run_build(argv, str(copy), env, log, tool.module, progress)
        if returncode != 0:
            tail = log.read_text(errors="replace")[-2000:]
            raise ClusterSetupError(f"go build of {tool.module}@{tool.version} failed (log: {log}):\n{tail}")
        for program in sorted(partial.iterdir()):
            program.replace(tool.directory / program.name)
    stamp.write_text(tool.key() + "\n")
    progress(f"built {tool.module}@{tool.version} in {(time.monotonic() - started) / 60:.1f} min")
    return outputs


def kubetools(layout: Layout) -> GoBinary:
    """kubeadm and kubectl of the layout's Kubernetes release, in one binary."""
    version = KubeVersion.parse(layout.kubernetes_version)
    output = kubetools_dir(layout.cache, str(version)) / "kubetools"
    return GoBinary("kubetools", output, build.kube_ldflags(version), kubernetes=version)


def coredns(layout: Layout) -> GoBinary:
    """The CoreDNS of kind nodes: the plugins kubeadm's default Corefile names."""
    output = layout.bin / "kind" / f"coredns-{COREDNS_VERSION}" / "coredns"
    return GoBinary("corednskind", output, build.coredns_ldflags())


@dataclass(frozen=True)
class KindTools:
    """Where the built programs are."""

    kind: Path
    nerdctl: Path
    containerd_dir: Path
    crictl: Path
    kubetools: Path
    coredns: Path

    def path_entries(self) -> list[Path]:
        """Directories to put first on PATH for kind and nerdctl."""
        return [self.kind.parent, self.nerdctl.parent, self.containerd_dir]


def ensure_tools(layout: Layout, progress: Progress) -> KindTools:
    """Build (or reuse) everything kind needs here, after the local cluster's own binaries."""
    build.ensure_all(layout, progress)
    kind_tool, containerd_tool, nerdctl_tool, crictl_tool = upstream_tools(layout)
    kind = ensure_upstream(kind_tool, progress)[0]
    ensure_upstream(containerd_tool, progress)
    nerdctl = ensure_upstream(nerdctl_tool, progress)[0]
    crictl = ensure_upstream(crictl_tool, progress)[0]
    tools_binary = build.ensure_built(kubetools(layout), progress)
    coredns_binary = build.ensure_built(coredns(layout), progress)
    return KindTools(kind, nerdctl, containerd_tool.directory, crictl, tools_binary, coredns_binary)


def environment_path(tools: KindTools) -> str:
    """PATH with the built programs first."""
    return os.pathsep.join([*(str(p) for p in tools.path_entries()), os.environ.get("PATH", "")])
