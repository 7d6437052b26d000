"""Translate Kubernetes client errors into the podchaos exception tree, in one place."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from podchaos.errors import ApiError, ClusterError, Conflict, ObjectNotFound, TooManyRequests

_BY_STATUS: dict[int, type[ApiError]] = {404: ObjectNotFound, 409: Conflict, 429: TooManyRequests}


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
        raise _BY_STATUS.get(status, ApiError)(action, status, reason, message, causes) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ClusterError(f"{action}: cannot reach the Kubernetes API: {exc}") from exc
