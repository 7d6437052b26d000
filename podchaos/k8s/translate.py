"""Translate Kubernetes client errors into the podchaos exception tree, in one place."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from podchaos.errors import ApiError, ClusterError, Conflict, ObjectNotFound, TooManyRequests

_BY_STATUS: dict[int, type[ApiError]] = {404: ObjectNotFound, 409: Conflict, 429: TooManyRequests}


def _message(exc: ApiException) -> tuple[str, str]:
    try:
        body = json.loads(exc.body or "{}")
    except ValueError:
        return str(exc.reason or ""), str(exc.body or "")
    return str(body.get("reason") or exc.reason or ""), str(body.get("message") or exc.body or "")


def _causes(exc: ApiException) -> tuple[tuple[str, str], ...]:
    """The Status causes of an error body as (reason, message): why a 429 eviction was refused."""
    try:
        causes = json.loads(exc.body or "{}").get("details", {}).get("causes") or []
    except (ValueError, AttributeError):
        return ()
    return tuple(
        (str(cause.get("reason") or ""), str(cause.get("message") or ""))
        for cause in causes
        if isinstance(cause, dict)
    )


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Run a block of client calls; their errors become ApiError (or a subclass) or ClusterError."""
    try:
        yield
    except ApiException as exc:
        reason, message = _message(exc)
        status = int(exc.status or 0)
        if status == 429:
            raise TooManyRequests(action, status, reason, message, _causes(exc)) from exc
        raise _BY_STATUS.get(status, ApiError)(action, status, reason, message) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ClusterError(f"{action}: cannot reach the Kubernetes API: {exc}") from exc
