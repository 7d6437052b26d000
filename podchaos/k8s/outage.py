"""When the API could not be used: every transient failure of a call opens an outage (from the last
successful contact, when recent), the next successful call closes it. Runs read the outages that
overlap their own recording."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

# Failures this close to the end of the previous outage continue it: an apiserver that just came back
# may still refuse a call or two while it loads its caches.
MERGE_WITHIN_S = 1.0
# A request-response call that takes this long was not answered: the apiserver waits on etcd.
SLOW_S = 5.0
# An outage starts at the last successful contact before its first failure, if that was this recent
# (a heartbeat each second while a run records, and a beat's timeout of 5 s tried up to 4 times by
# urllib3); from longer ago, only the first failure is known for sure.
BACKDATE_S = 25.0


@dataclass(frozen=True)
class Outage:
    """An interval of ``time.monotonic()`` during which API calls failed transiently.

    ``ended`` is None while it lasts. ``failures`` counts the failed attempts, ``first_error`` is what
    the first one said, ``unreachable`` is True when some attempt could not connect at all (rather
    than getting a 5xx or 429 answer).
    """

    started: float
    ended: float | None
    failures: int
    first_error: str
    unreachable: bool


class ApiHealth:
    """The outages one API connection saw (thread-safe: every watch thread reports here)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outages: list[Outage] = []
        self._last_ok: float | None = None

    def failed(self, error: BaseException, unreachable: bool) -> None:
        """A call failed transiently: open an outage, or count the failure in the open one (or in one
        that ended less than MERGE_WITHIN_S ago, which is open again)."""
        now = time.monotonic()
        with self._lock:
            last = self._outages[-1] if self._outages else None
            if last is not None and (last.ended is None or now - last.ended < MERGE_WITHIN_S):
                self._outages[-1] = Outage(
                    last.started, None, last.failures + 1, last.first_error, last.unreachable or unreachable
                )
                return
            first = " ".join(str(error).split())[:200]
            # The API was last known to answer at the last success: the outage began after it.
            since = now if self._last_ok is None else max(self._last_ok, now - BACKDATE_S)
            self._outages.append(Outage(since, None, 1, first, unreachable))

    def unanswered(self, started: float, action: str) -> None:
        """A call got its answer, but only after SLOW_S or more: the API (or etcd behind it) did not
        answer from ``started`` until now. That is an outage too, merged with any it overlaps."""
        now = time.monotonic()
        error = f"no answer for {now - started:.1f} s to {action}"
        with self._lock:
            last = self._outages[-1] if self._outages else None
            if last is not None and (last.ended is None or last.ended >= started - MERGE_WITHIN_S):
                self._outages[-1] = Outage(
                    min(last.started, started), last.ended, last.failures, last.first_error, last.unreachable
                )
                return
            self._outages.append(Outage(started, now, 0, error, True))

    def succeeded(self) -> None:
        """A call got its answer: the open outage, if any, ends now."""
        with self._lock:
            self._last_ok = time.monotonic()
            if self._outages and self._outages[-1].ended is None:
                last = self._outages[-1]
                self._outages[-1] = Outage(
                    last.started, time.monotonic(), last.failures, last.first_error, last.unreachable
                )

    def outages(self, since: float, until: float | None = None) -> list[Outage]:
        """The outages that overlap ``[since, until]`` (monotonic; ``until`` None: up to now)."""
        end = time.monotonic() if until is None else until
        with self._lock:
            return [
                outage
                for outage in self._outages
                if outage.started <= end and (outage.ended is None or outage.ended >= since)
            ]
