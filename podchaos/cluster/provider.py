"""Where chaos runs: one interface over the cluster providers (existing kubeconfig, kind, local)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class ClusterAccess:
    """How to reach a cluster a provider made ready."""

    provider: str
    # One file, or several joined by os.pathsep as in $KUBECONFIG (the client merges them).
    kubeconfig: Path | None
    context: str | None
    description: str


class ClusterProvider(Protocol):
    """Makes a cluster ready for chaos, and releases what it created for the session."""

    name: str

    def ensure(self) -> ClusterAccess:
        """Create or reuse the cluster; returns how to reach it. Raises ClusterError subclasses."""
        ...

    def release(self) -> None:
        """Undo what ``ensure`` created for this session only (a reused cluster stays)."""
        ...
