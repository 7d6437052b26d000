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
    probe: Callable[[], T | None],
    timeout: float,
    interval: float = 0.5,
    last_seen: Callable[[], str] | None = None,
) -> T:
    """Call ``probe`` until it returns something other than None; raise WaitTimeout after ``timeout`` s.

    Exceptions from ``probe`` propagate at once: a probe raises when waiting longer is pointless
    (a daemon died, an object was deleted).
    """
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        retry=tenacity.retry_if_result(lambda value: value is None),
        retry_error_callback=lambda _state: None,
        reraise=True,
    )
    result: T | None = retrying(probe)
    if result is None:
        raise WaitTimeout(what, timeout, last_seen() if last_seen else "")
    return result


def retry_on(
    exception: type[BaseException],
    call: Callable[[], T],
    timeout: float,
    interval: float = 1.0,
) -> T:
    """Call ``call`` again while it raises ``exception``, until ``timeout``; then its error propagates."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        retry=tenacity.retry_if_exception_type(exception),
        reraise=True,
    )
    result: T = retrying(call)
    return result
