"""The run engine both entry points drive: a scenario file (:mod:`podchaos.runner`) and a user's test
(:mod:`podchaos.library`, the ``chaos`` fixture)."""

from __future__ import annotations

from podchaos.engine.recording import Recording
from podchaos.engine.run import Run, Services

__all__ = ["Recording", "Run", "Services"]
