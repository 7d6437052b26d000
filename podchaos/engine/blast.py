"""Draw the pods a fault takes on an attached workload (its :class:`BlastRadius`), and refuse a
target that selects no pod or more than the scenario allows."""

from __future__ import annotations

import random
from collections.abc import Sequence

from podchaos.errors import FaultError
from podchaos.model.blast import BlastRadius
from podchaos.model.timeline import PodState


def check_selection(blast: BlastRadius, targets: Sequence[PodState], where: str) -> None:
    """Raise :class:`FaultError` when the selected pods may not be hit (none, or too many)."""
    problem = blast.refusal(len(targets), where)
    if problem is not None:
        raise FaultError(f"refused: {problem}; nothing was injected")


def choose(blast: BlastRadius, targets: Sequence[PodState], rng: random.Random) -> list[PodState]:
    """The pods a fault takes, drawn at random (``all``: every one), in name order."""
    count = blast.count(len(targets))
    picked = list(targets) if count >= len(targets) else rng.sample(list(targets), count)
    return sorted(picked, key=lambda state: state.pod.pod)
