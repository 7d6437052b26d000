"""A request whose connection goes silent times out, is retried within the outage budget, and is
recorded as an outage, instead of hanging the run. The server here accepts connections and never
answers: the transport is what is tested, not Kubernetes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from podchaos.errors import ApiUnreachable
from podchaos.k8s.client import Kube


@pytest.fixture
def silent_server() -> Iterator[str]:
    """http://127.0.0.1:PORT where every connection is accepted and then left unanswered."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for connection in accepted:
            connection.close()
        listener.close()


def kube_at(host: str, outage_s: float, read_timeout_s: float) -> Kube:
    configuration = client.Configuration()
    configuration.host = host
    return Kube(client.ApiClient(configuration), outage_s=outage_s, read_timeout_s=read_timeout_s)


def test_a_call_the_api_never_answers_times_out_and_is_retried_for_the_outage_budget(
    silent_server: str,
) -> None:
    kube = kube_at(silent_server, outage_s=1.5, read_timeout_s=0.3)
    raised: list[BaseException] = []

    def call() -> None:
        try:
            kube.nodes()
        except BaseException as exc:
            raised.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(10)  # unbounded, the call would still wait
    took = time.monotonic() - started
    kube.close()
    assert not thread.is_alive(), "the call is still waiting for an answer after 10 s"
    (error,) = raised
    assert isinstance(error, ApiUnreachable), error
    assert "list nodes: cannot reach the Kubernetes API" in str(error), error
    assert "Read timed out" in str(error), error
    # urllib3 itself tries a GET 4 times (4 x 0.3 s); then the call is retried until 1.5 s have passed.
    assert 1.5 <= took < 6, f"gave up after {took:.1f} s; the budget was 1.5 s"
    (outage,) = kube.health.outages(since=started)
    assert outage.unreachable, outage
    assert "ReadTimeoutError" in outage.first_error, outage


def test_a_watch_or_followed_log_names_its_own_bound() -> None:
    """Streamed calls keep their own timeout; a followed log gets only the connect bound."""
    seen: list[object] = []
    configuration = client.Configuration()
    api_client = client.ApiClient(configuration)
    api_client.rest_client.request = lambda *args, **kwargs: seen.append(kwargs.get("_request_timeout"))  # type: ignore[method-assign]
    Kube(api_client, read_timeout_s=7.0)
    rest: Any = api_client.rest_client
    rest.request("GET", "/api/v1/nodes", _preload_content=True)
    rest.request("GET", "/api/v1/namespaces/x/pods/y/log", _preload_content=False)
    rest.request("GET", "/api/v1/pods", _preload_content=False, _request_timeout=(5.0, 45.0))
    assert seen == [(5.0, 7.0), (5.0, None), (5.0, 45.0)]
