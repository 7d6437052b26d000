"""How long one request may wait for its answer.

The Kubernetes client waits for ever unless told otherwise, so a request whose connection went silent
(an apiserver that froze, a peer that vanished without a reset) would hang the run. Bounded, it times
out, which is transient: it is retried, and counted as an outage, like a refused connection.
"""

from __future__ import annotations

from typing import Any

from kubernetes import client

CONNECT_S = 5.0
# A plain call is answered in milliseconds, a few seconds while etcd restarts. urllib3 tries an
# idempotent request four times before the call fails, so a silent API costs 4 x READ_S per attempt.
READ_S = 10.0
# A watch window ends on the server's side (timeout_seconds); past this much more, it went silent.
WATCH_GRACE_S = 15.0


def bound_requests(
    api_client: client.ApiClient, connect_s: float = CONNECT_S, read_s: float = READ_S
) -> None:
    """Give every call of ``api_client`` that names no timeout of its own a ``(connect_s, read_s)``
    one; a streamed response (``_preload_content=False``: a followed log, which may rightly stay quiet
    for as long as its container does) only the connect bound. Watches name their own
    (:func:`watch_timeout`)."""
    rest = api_client.rest_client
    unbounded = rest.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("_request_timeout") is None:
            streamed = not kwargs.get("_preload_content", True)
            kwargs["_request_timeout"] = (connect_s, None if streamed else read_s)
        return unbounded(method, url, *args, **kwargs)

    # The client has no setting for a default timeout: its one request method gets the bound instead.
    rest.request = request  # type: ignore[method-assign]


def watch_timeout(window_s: float) -> tuple[float, float]:
    """The ``_request_timeout`` of a watch whose server-side window is ``window_s``."""
    return (CONNECT_S, window_s + WATCH_GRACE_S)
