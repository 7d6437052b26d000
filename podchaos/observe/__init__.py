"""Observe: the watch-based recorder of a run's timeline, and the log follower it drives."""

from __future__ import annotations

from podchaos.observe.logs import LogFollower
from podchaos.observe.recorder import EventOccurrences, Recorder

__all__ = ["EventOccurrences", "LogFollower", "Recorder"]
