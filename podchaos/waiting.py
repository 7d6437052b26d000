"""Waiting for conditions: the one place podchaos uses tenacity.

A wait always has a deadline and says what it waited for and what it last saw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import tenacity

from podchaos.errors import WaitTimeout

T = TypeVar("T")


def wait_for(
    what: str,
    condition: Callable[[], T | None],
    timeout: float,
    interval: float = 0.5,
    last_seen: Callable[[], str] | None = None,
) -> T:
    """Call ``condition`` until it returns something other than None; raise WaitTimeout after ``timeout`` s.

    Exceptions from ``condition`` propagate at once: a condition raises when waiting longer is pointless
    (a daemon died, an object was deleted).
    """
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        retry=tenacity.retry_if_result(lambda value: value is None),
        retry_error_callback=lambda _state: None,
        reraise=True,
    )
    result: T | None = retrying(condition)
    if result is None:
        raise WaitTimeout(what, timeout, last_seen() if last_seen else "")
    return result
