"""Gaps as long as they really were: a heartbeat each second marks the last successful contact and the
first one after, and a stalled etcd (a 5xx or a timeout while the apiserver still answers) is a gap."""

from __future__ import annotations

import json
import time

import pytest
import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from podchaos.k8s import heartbeat
from podchaos.k8s.outage import BACKDATE_S, ApiHealth
from podchaos.k8s.translate import CallPolicy


def refused() -> None:
    raise urllib3.exceptions.MaxRetryError(
        None,  # type: ignore[arg-type]
        "/api/v1/namespaces/pc-x",
        ConnectionRefusedError(111, "Connection refused"),
    )


def etcd_stalled() -> None:
    exc = ApiException(status=504, reason="Gateway Timeout")
    exc.body = json.dumps({"kind": "Status", "code": 504, "message": "etcdserver: request timed out"})
    raise exc


def not_found() -> None:
    exc = ApiException(status=404, reason="Not Found")
    exc.body = json.dumps({"kind": "Status", "code": 404, "message": 'namespaces "pc-x" not found'})
    raise exc


def test_an_outage_spans_from_the_last_beat_answered_to_the_first_answered_after() -> None:
    policy = CallPolicy(outage_s=5.0)
    assert heartbeat.beat(lambda: None, policy, "heartbeat")
    answered = time.monotonic()
    time.sleep(0.3)
    assert not heartbeat.beat(refused, policy, "heartbeat")
    assert not heartbeat.beat(etcd_stalled, policy, "heartbeat")
    [open_outage] = policy.health.outages(0.0)
    assert open_outage.ended is None
    # It began at the last answer, not at the first failure 0.3 s later.
    assert abs(open_outage.started - answered) < 0.05
    assert open_outage.failures == 2
    assert heartbeat.beat(not_found, policy, "heartbeat")  # an answer, even a 404
    [closed] = policy.health.outages(0.0)
    assert closed.ended is not None
    assert closed.ended - closed.started >= 0.3


def test_a_stalled_etcd_alone_is_a_gap_and_not_unreachable() -> None:
    policy = CallPolicy(outage_s=5.0)
    assert not heartbeat.beat(etcd_stalled, policy, "heartbeat")
    [outage] = policy.health.outages(0.0)
    assert not outage.unreachable
    assert "etcdserver: request timed out" in outage.first_error


class SlowClock:
    """The heartbeat's clock: the beat starts at 100 s and is answered at 106.5 s."""

    def __init__(self) -> None:
        self.readings = iter([100.0, 106.5])

    def monotonic(self) -> float:
        return next(self.readings)


def test_a_slow_answer_is_a_gap_as_long_as_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = CallPolicy(outage_s=5.0)
    monkeypatch.setattr(heartbeat, "time", SlowClock())
    assert heartbeat.beat(lambda: None, policy, "heartbeat")
    [slow] = policy.health.outages(0.0, 200.0)
    assert slow.started == 100.0
    assert slow.first_error.startswith("no answer for")


def test_the_backdating_reaches_no_further_than_backdate_s() -> None:
    health = ApiHealth()
    health.succeeded()
    health._last_ok = time.monotonic() - 3 * BACKDATE_S  # an idle connection, long silent
    health.failed(RuntimeError("refused"), unreachable=True)
    [outage] = health.outages(0.0)
    assert time.monotonic() - outage.started <= BACKDATE_S + 0.1
