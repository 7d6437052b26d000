"""Cleanup: a run's namespace deleted (always, even on failure or Ctrl-C) and confirmed gone at the
end of the session, and ``podchaos sweep`` for what killed runs left behind."""

from __future__ import annotations

from podchaos.cleanup.namespace import NamespaceCleaner, delete_namespace, start_deleting
from podchaos.cleanup.sweep import Swept, sweep

__all__ = ["NamespaceCleaner", "Swept", "delete_namespace", "start_deleting", "sweep"]
