"""Keys of podchaos's plugin state in ``config.stash`` (no module-level mutable state)."""

from __future__ import annotations

from pathlib import Path

import pytest

from podchaos.pytest_plugin.options import PodchaosOptions
from podchaos.pytest_plugin.session import ClusterSession

OPTIONS_KEY = pytest.StashKey[PodchaosOptions]()
SESSION_KEY = pytest.StashKey[ClusterSession]()
SELECTED_KEY = pytest.StashKey[frozenset[Path]]()
