"""Running the ``kind`` command line (and the container engine under it) through an injectable runner,
so the exact commands can be checked without kind or a container engine installed."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from podchaos.errors import ClusterSetupError

Runner = Callable[[list[str]], subprocess.CompletedProcess[str]]

# ``kind create cluster --wait`` bounds node readiness itself; this only stops a wedged container
# engine from hanging the test session forever.
COMMAND_TIMEOUT_S = 900.0

# kind picks its container engine from this variable (docker when unset), as its CLI does.
PROVIDER_ENV = "KIND_EXPERIMENTAL_PROVIDER"
ENGINES = ("docker", "podman", "nerdctl", "finch")


def run_command(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` capturing text output; the caller judges the exit status."""
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=COMMAND_TIMEOUT_S,
    )


def engine_from_environment() -> str:
    """The container engine kind drives: ``$KIND_EXPERIMENTAL_PROVIDER`` if it names one, else docker."""
    wanted = os.environ.get(PROVIDER_ENV, "").strip()
    return wanted if wanted in ENGINES else "docker"


def cluster_names(stdout: str) -> tuple[str, ...]:
    """Parse ``kind get clusters`` output (one name a line; the "none" notice goes to stderr)."""
    return tuple(line.strip() for line in stdout.splitlines() if line.strip())


def checked(run: Runner, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run one command; ClusterSetupError with the command and its stderr if it fails."""
    command = shlex.join(argv)
    try:
        result = run(argv)
    except subprocess.TimeoutExpired as exc:
        raise ClusterSetupError(f"`{command}` did not finish within {exc.timeout:g}s") from exc
    except OSError as exc:
        raise ClusterSetupError(f"`{command}` could not be run: {exc}") from exc
    if result.returncode != 0:
        stderr = (result.stderr or "").strip() or "(no output on stderr)"
        raise ClusterSetupError(f"`{command}` failed with exit status {result.returncode}:\n{stderr}")
    return result


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only, replacing it atomically."""
    # The kubeconfig holds the cluster's admin client key.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a leftover partial file keeps its old mode otherwise
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    partial.replace(path)
