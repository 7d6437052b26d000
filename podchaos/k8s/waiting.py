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


def retry_transient(
    call: Callable[[], T],
    transient: Callable[[BaseException], float | None],
    budget: float,
    on_failure: Callable[[BaseException], None] | None = None,
    max_interval: float = 2.0,
) -> T:
    """Call ``call`` until it returns, retrying the errors ``transient`` accepts for up to ``budget`` s.

    ``transient`` returns None for an error that is final (it propagates at once), else the least wait
    in seconds the other side asked for (a Retry-After; 0 for none). Waits grow from 0.1 s to
    ``max_interval``, never shorter than asked; ``on_failure`` hears of every transient failure. After
    ``budget`` s the last error propagates.
    """

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = (transient(exc) if exc is not None else None) or 0.0
        backoff = min(max_interval, 0.1 * 2 ** (state.attempt_number - 1))
        left = budget - float(state.seconds_since_start or 0.0)
        return float(max(0.0, min(max(asked, backoff), left)))

    def failed(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if on_failure is not None and exc is not None:
            on_failure(exc)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(budget),
        wait=wait,
        retry=tenacity.retry_if_exception(lambda exc: transient(exc) is not None),
        before_sleep=failed,
        reraise=True,
    )
    return retrying(call)
