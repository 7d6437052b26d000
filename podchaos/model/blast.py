"""Blast radius: which of the pods an attached target selects a fault takes, as peers offer it (Chaos
Mesh's ``mode``: one, all, fixed, fixed-percent; Litmus's ``PODS_AFFECTED_PERC``). Pure data and
arithmetic; the engine draws the pods."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

PodMode = Literal["one", "all", "count", "percent"]


@dataclass(frozen=True)
class BlastRadius:
    """How many of the selected pods a fault takes: ``one`` at random, ``all``, a ``count`` of them or a
    ``percent`` (rounded up, at least one, as Chaos Mesh's fixed-percent does). ``max_pods`` is the most
    pods the target may select before the run refuses it (None: no limit)."""

    mode: PodMode = "one"
    value: int = 1
    max_pods: int | None = None

    def count(self, selected: int) -> int:
        """How many of ``selected`` pods the fault takes."""
        if self.mode == "all":
            return selected
        if self.mode == "count":
            return min(self.value, selected)
        if self.mode == "percent":
            return min(selected, max(1, math.ceil(selected * self.value / 100)))
        return min(1, selected)

    def refusal(self, selected: int, where: str) -> str | None:
        """Why a target selecting ``selected`` pods must not be hit, or None when it may."""
        if selected == 0:
            return f"the target selects no pod in {where}"
        if self.max_pods is not None and selected > self.max_pods:
            return f"the target selects {selected} pods in {where}, more than maxPods {self.max_pods} allows"
        if self.mode == "count" and self.value > selected:
            return f"pods asks for {self.value} pods but the target selects only {selected} in {where}"
        return None

    def describe(self) -> str:
        """The mode in the scenario's words."""
        taken = {
            "one": "one pod at random",
            "all": "every selected pod",
            "count": f"{self.value} pods at random",
            "percent": f"{self.value}% of the selected pods (at least one) at random",
        }[self.mode]
        return taken + (f", refusing more than {self.max_pods} selected" if self.max_pods else "")
