"""One cluster operation at a time on this machine, and never a silent wait for the other one.

Every pytest-xdist worker calls ``up``; on a cold machine the first one builds Kubernetes for
minutes while the others wait. A waiter says whom it waits for and gives up after a bound, naming
the holder, instead of hanging a CI job.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from podchaos.errors import ClusterSetupError

# A cold run installs Debian packages and builds Kubernetes (8 minutes seen on two cores).
LOCK_TIMEOUT_S = 45 * 60.0
POLL_S = 0.5
REMIND_EVERY_S = 60.0


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return "another process"
    return f"PID {pid}" if pid else "another process"


@contextmanager
def exclusive(
    path: Path,
    what: str,
    progress: Callable[[str], None],
    timeout: float = LOCK_TIMEOUT_S,
) -> Iterator[None]:
    """Hold the lock file ``path`` while the block runs; wait for it at most ``timeout`` seconds.

    The holder's PID is written into the file so a waiter can name it. ``flock`` locks belong to the
    open file, so a holder that dies releases the lock at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # "a+" and not "w": opening must not truncate the holder's PID before we own the lock.
    with path.open("a+") as lock:
        started = time.monotonic()
        next_reminder = 0.0
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise ClusterSetupError(
                        f"gave up after {waited:.0f}s waiting for {_holder(path)} to finish its {what} "
                        f"(lock {path}); if that process is stuck, stop it and retry"
                    ) from None
                if waited >= next_reminder:
                    progress(f"waiting for {_holder(path)} to finish its {what} ({waited:.0f}s so far)")
                    next_reminder = waited + REMIND_EVERY_S
                time.sleep(POLL_S)
        try:
            lock.seek(0)
            lock.truncate()
            lock.write(f"{os.getpid()}\n")
            lock.flush()
            yield
        finally:
            lock.seek(0)
            lock.truncate()
            lock.flush()
            fcntl.flock(lock, fcntl.LOCK_UN)
