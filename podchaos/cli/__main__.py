"""``python -m podchaos.cli``: the ``podchaos`` command."""

from __future__ import annotations

import sys

from podchaos.cli.main import main

sys.exit(main())
