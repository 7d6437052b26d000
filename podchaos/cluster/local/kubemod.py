"""The Go module the ``kube`` binary is built from, for any Kubernetes release the module proxy serves.

``k8s.io/kubernetes`` is a Go module, but its go.mod points its staging modules (``k8s.io/api``,
``k8s.io/client-go``, ...) at directories inside its own repository, so a module that requires it must
map each of them to its published release: Kubernetes ``v1.36.3`` ships them as ``v0.36.3``. The list
of staging modules changes between minors (1.36 added ``k8s.io/streaming``), so it is read from the
release's own go.mod, which ``go mod download`` fetches. ``go mod tidy`` then pins everything else at
the versions that release's go.mod selects.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from podchaos.errors import ClusterSetupError
from podchaos.model.versions import KubeVersion

KUBERNETES_MODULE = "k8s.io/kubernetes"
MODULE_NAME = "podchaos.local/kube"

_STAGING_RE = re.compile(r"^\s*(k8s\.io/[\w.-]+)\s*=>\s*\./staging/src/\1\s*$", re.MULTILINE)
_GO_RE = re.compile(r"^go\s+(\d+\.\d+(?:\.\d+)?)\s*$", re.MULTILINE)
_GODEBUG_RE = re.compile(r"^godebug\s+.*$", re.MULTILINE)
# Raised when a command the module proxy or the go command answers hangs (a proxy that never replies).
GO_COMMAND_TIMEOUT_S = 600.0


def staging_version(version: KubeVersion) -> str:
    """The release of the staging modules that belongs to Kubernetes ``version``: v1.36.3 -> v0.36.3."""
    return f"v0.{version.minor}.{version.patch}"


def go_mod(version: KubeVersion, release_go_mod: str) -> str:
    """Our go.mod for Kubernetes ``version``, given that release's own go.mod text.

    The go line and godebug settings are the release's (its code is written for them); the staging
    modules are replaced by their published releases. ValueError when ``release_go_mod`` does not
    look like Kubernetes's go.mod.
    """
    staging = sorted(set(_STAGING_RE.findall(release_go_mod)))
    go_line = _GO_RE.search(release_go_mod)
    if not staging or go_line is None:
        raise ValueError(
            f"the go.mod of {KUBERNETES_MODULE} {version} names no staging modules or no go version"
        )
    published = staging_version(version)
    godebug = "\n".join(_GODEBUG_RE.findall(release_go_mod))
    lines = [f"module {MODULE_NAME}", "", f"go {go_line.group(1)}", ""]
    if godebug:
        lines += [godebug, ""]
    lines += [
        "require (",
        f"\tk8s.io/component-base {published}",
        f"\t{KUBERNETES_MODULE} {version}",
        ")",
        "",
        "replace (",
        *(f"\t{module} => {module} {published}" for module in staging),
        ")",
        "",
    ]
    return "\n".join(lines)


def release_go_mod(version: KubeVersion, go: str, env: Mapping[str, str], cwd: Path) -> str:
    """The go.mod of ``k8s.io/kubernetes`` at ``version``, fetched through the Go module proxy.

    A release the proxy does not serve is a ClusterSetupError that says so, with the go command's words.
    """
    wanted = f"{KUBERNETES_MODULE}@{version}"
    try:
        completed = subprocess.run(
            [go, "mod", "download", "-json", wanted],
            cwd=cwd,
            env={**env, "GOFLAGS": "-mod=mod"},
            capture_output=True,
            text=True,
            timeout=GO_COMMAND_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ClusterSetupError(
            f"fetching {wanted} from the Go module proxy did not finish in {GO_COMMAND_TIMEOUT_S:.0f}s"
        ) from None
    try:
        answer = json.loads(completed.stdout)
    except json.JSONDecodeError:
        answer = {}
    error = str(answer.get("Error") or completed.stderr.strip() or "")
    go_mod_path = answer.get("GoMod")
    if completed.returncode != 0 or error or not go_mod_path:
        raise ClusterSetupError(
            f"Kubernetes {version} cannot be built: the Go module proxy does not serve {wanted} "
            f"({error or 'no go.mod in its answer'}); name a released version, such as the ones "
            "`podchaos cluster up --help` lists"
        )
    return Path(go_mod_path).read_text()


def write_module(version: KubeVersion, work: Path, go: str, env: Mapping[str, str], log: Path) -> None:
    """Write go.mod and go.sum for Kubernetes ``version`` into ``work`` (which holds main.go), with
    ``go mod tidy``'s output in ``log``."""
    try:
        text = go_mod(version, release_go_mod(version, go, env, work))
    except ValueError as exc:
        raise ClusterSetupError(str(exc)) from exc
    (work / "go.mod").write_text(text)
    with log.open("w") as log_file:
        try:
            tidy = subprocess.run(
                [go, "mod", "tidy"],
                cwd=work,
                env={**env, "GOFLAGS": "-mod=mod"},
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=GO_COMMAND_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ClusterSetupError(
                f"go mod tidy for Kubernetes {version} did not finish in {GO_COMMAND_TIMEOUT_S:.0f}s "
                f"(log: {log})"
            ) from None
    if tidy.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise ClusterSetupError(f"go mod tidy for Kubernetes {version} failed (log: {log}):\n{tail}")
