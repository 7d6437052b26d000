"""Translate Kubernetes client errors into the podchaos exception tree, and retry the transient ones
(an API that is restarting, overloaded or briefly unreachable), in one place."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from podchaos.errors import ApiError, ApiUnreachable, Conflict, Forbidden, ObjectNotFound, TooManyRequests
from podchaos.k8s.outage import SLOW_S, ApiHealth
from podchaos.k8s.waiting import retry_transient
from podchaos.model.timeline import DISRUPTION_BUDGET_CAUSE

T = TypeVar("T")

# How long podchaos rides out an API that cannot be used before a call fails (--podchaos-api-outage).
DEFAULT_OUTAGE_S = 60.0
# Answers that mean "not now" rather than "no": the apiserver (or what is behind it: etcd, a kubelet
# it proxies to) is restarting or overloaded.
TRANSIENT_STATUSES = {500, 502, 503, 504}
# A pod refused because its namespace's ServiceAccount does not exist yet is tried again this often
# (within the outage budget): the controller-manager creates the account, often seconds late after a
# control-plane restart.
MISSING_ACCOUNT_WAIT_S = 0.5
# A websocket (exec) that could not be opened says why only in words (status 0).
_TRANSIENT_WORDS = ("connection refused", "connection reset", "timed out", "handshake status 5", "eof")

_BY_STATUS: dict[int, type[ApiError]] = {
    403: Forbidden,
    404: ObjectNotFound,
    409: Conflict,
    429: TooManyRequests,
}


def _status(exc: ApiException) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(reason, message, causes) of an error, read once from its Status body; a body that is not a
    Status object falls back to the HTTP reason and the raw body. Causes are (reason, message): why a
    429 eviction was refused."""
    try:
        body: Any = json.loads(exc.body or "{}")
    except ValueError:
        body = None
    status = body if isinstance(body, dict) else {}
    details = status.get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    return (
        str(status.get("reason") or exc.reason or ""),
        str(status.get("message") or exc.body or ""),
        tuple(
            (str(cause.get("reason") or ""), str(cause.get("message") or ""))
            for cause in (causes if isinstance(causes, list) else ())
            if isinstance(cause, dict)
        ),
    )


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Run a block of client calls; their errors become ApiError (or a subclass) or ClusterError."""
    try:
        yield
    except ApiException as exc:
        status = int(exc.status or 0)
        reason, message, causes = _status(exc)
        if status == 0 and "handshake status 403" in reason.lower():
            # An exec refused before its websocket opened says so only in words.
            raise Forbidden(action, 403, "Forbidden", _handshake_message(reason)) from exc
        raise _BY_STATUS.get(status, ApiError)(action, status, reason, message, causes) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ApiUnreachable(f"{action}: cannot reach the Kubernetes API: {exc}") from exc


def _handshake_message(reason: str) -> str:
    """The Status message in a refused websocket's handshake error ("Handshake status 403 Forbidden
    -+-+- headers -+-+- body"): RBAC's or an admission policy's words; the whole text otherwise."""
    try:
        body: Any = json.loads(reason.rpartition(" -+-+- ")[2])
    except ValueError:
        return reason
    message = body.get("message") if isinstance(body, dict) else None
    return str(message) if message else reason


def _retry_after(exc: ApiException) -> float | None:
    """The Retry-After header of an answer, in seconds (None when absent or not a number)."""
    headers = exc.headers or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def transient_wait(error: BaseException) -> float | None:
    """None when ``error`` is final; else the least wait before trying again (0: no preference).

    Transient: the API could not be reached (refused, reset, timed out), answered 500/502/503/504, or
    throttled with 429 and a Retry-After. A 429 carrying a PodDisruptionBudget's cause is an answer,
    not throttling: the drain that asked decides what to do about it.
    """
    if isinstance(error, ApiUnreachable):
        return 0.0
    if not isinstance(error, ApiError):
        return None
    cause = error.__cause__
    if error.status in TRANSIENT_STATUSES:
        return 0.0
    if isinstance(error, TooManyRequests) and isinstance(cause, ApiException):
        if any(reason == DISRUPTION_BUDGET_CAUSE for reason, _ in error.causes):
            return None
        return _retry_after(cause)
    if isinstance(error, Forbidden) and error.missing_account:
        return MISSING_ACCOUNT_WAIT_S  # the controller-manager has yet to create it
    if error.status == 0 and any(word in error.reason.lower() for word in _TRANSIENT_WORDS):
        return 0.0
    return None


@dataclass
class CallPolicy:
    """How the calls of one API connection ride out an outage: for up to ``outage_s`` seconds, with
    every failure and recovery reported to ``health``."""

    outage_s: float = DEFAULT_OUTAGE_S
    health: ApiHealth = field(default_factory=ApiHealth)

    def failed(self, error: BaseException) -> None:
        """Report one transient failure (a watch whose connection broke reports here too)."""
        self.health.failed(error, unreachable=isinstance(error, ApiUnreachable) or _unreachable(error))

    def call(self, action: str, call: Callable[[], T], timed: bool = True) -> T:
        """``call`` with its errors translated, retried while they are transient. A ``timed`` call
        (a request answered at once, not a command that runs) that took SLOW_S or more is an outage
        as well: the API did not answer meanwhile."""

        def attempt() -> T:
            started = time.monotonic()
            with translated(action):
                result = call()
            if timed and time.monotonic() - started >= SLOW_S:
                self.health.unanswered(started, action)
            return result

        result = retry_transient(attempt, transient_wait, self.outage_s, self.failed)
        self.health.succeeded()
        return result

    def change(self, action: str, call: Callable[[], object], done_if: type[ApiError]) -> None:
        """A change (create, delete) retried like :meth:`call`, where ``done_if`` on a second or later
        attempt means an earlier one took effect although its answer was lost (a create answered 409
        AlreadyExists, a delete 404 NotFound)."""
        attempts = 0

        def attempt() -> None:
            nonlocal attempts
            attempts += 1
            try:
                with translated(action):
                    call()
            except ApiError as exc:
                if attempts == 1 or not isinstance(exc, done_if):
                    raise

        self.call(action, attempt)


def _unreachable(error: BaseException) -> bool:
    """A websocket that could not connect at all (not one the API answered with an error)."""
    words = ("connection refused", "connection reset", "timed out")
    return isinstance(error, ApiError) and error.status == 0 and any(w in error.reason.lower() for w in words)
