"""Riding out API outages: which errors are transient, retries within the budget, changes whose answer
was lost, watches that re-list after a broken connection, the outage in the timeline and the verdict."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3.exceptions
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from podchaos.errors import ApiError, ApiUnreachable, Conflict, ObjectNotFound, TooManyRequests
from podchaos.k8s.outage import ApiHealth
from podchaos.k8s.translate import CallPolicy, transient_wait, translated
from podchaos.k8s.waiting import retry_transient
from podchaos.k8s.watch import SYNCED, watch_collection
from podchaos.model import ApiOutage, ContainerSnapshot, FaultRecord, PodReady, RestartCount, Timeline
from podchaos.model.timeline import PodSnapshot
from podchaos.report.json_report import entry_from_dict, entry_to_dict
from podchaos.report.lanes import build_lanes
from podchaos.report.text import format_timeline
from podchaos.verdict import judge


def api_error(
    status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> ApiError:
    exc = ApiException(status=status, reason="Reason")
    exc.body = json.dumps(body or {})
    exc.headers = headers or {}
    with pytest.raises(ApiError) as info, translated("read pod x"):
        raise exc
    return info.value


def refused() -> ApiUnreachable:
    with pytest.raises(ApiUnreachable) as info, translated("read pod x"):
        raise urllib3.exceptions.MaxRetryError(
            None,  # type: ignore[arg-type]
            "/api",
            ConnectionRefusedError(111, "Connection refused"),
        )
    return info.value


def test_transient_errors_are_unreachable_5xx_and_throttling_with_retry_after() -> None:
    assert transient_wait(refused()) == 0.0
    for status in (500, 502, 503, 504):
        assert transient_wait(api_error(status)) == 0.0
    assert transient_wait(api_error(429, headers={"Retry-After": "2"})) == 2.0
    # Final: not found, conflicts, forbidden, and a PodDisruptionBudget's refusal (an answer).
    for status in (400, 403, 404, 409, 422):
        assert transient_wait(api_error(status)) is None
    budget = {"details": {"causes": [{"reason": "DisruptionBudget", "message": "needs 1"}]}}
    refusal = api_error(429, budget, {"Retry-After": "1"})
    assert isinstance(refusal, TooManyRequests)
    assert transient_wait(refusal) is None
    assert transient_wait(ValueError("a bug")) is None


def test_retry_transient_retries_until_the_call_works_and_reports_each_failure() -> None:
    calls: list[float] = []
    failures: list[BaseException] = []

    def flaky() -> str:
        calls.append(time.monotonic())
        if len(calls) < 4:
            raise refused()
        return "answer"

    assert retry_transient(flaky, transient_wait, budget=5.0, on_failure=failures.append) == "answer"
    assert len(calls) == 4
    assert len(failures) == 3
    assert calls[-1] - calls[0] < 2.0  # 0.1 + 0.2 + 0.4 s of back-off


def test_retry_transient_gives_up_after_its_budget_and_final_errors_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(ApiUnreachable):
        retry_transient(lambda: (_ for _ in ()).throw(refused()), transient_wait, budget=0.5)
    assert 0.4 <= time.monotonic() - started < 2.0
    attempts = []

    def missing() -> None:
        attempts.append(1)
        raise api_error(404)

    with pytest.raises(ObjectNotFound):
        retry_transient(missing, transient_wait, budget=5.0)
    assert len(attempts) == 1


def test_a_change_whose_answer_was_lost_counts_as_done_and_the_outage_is_recorded() -> None:
    policy = CallPolicy(outage_s=5.0)
    attempts: list[int] = []

    def create() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            # The create reached the API, then the connection broke before its answer came.
            raise urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
        raise ApiException(status=409, reason="AlreadyExists")

    policy.change("create namespace x", create, Conflict)
    assert len(attempts) == 2
    outages = policy.health.outages(0.0)
    assert len(outages) == 1
    assert outages[0].ended is not None
    assert outages[0].failures == 1
    assert outages[0].unreachable
    assert "create namespace x" in outages[0].first_error
    # On the first attempt, a Conflict is the API's answer.
    with pytest.raises(Conflict):
        policy.change("create namespace x", lambda: (_ for _ in ()).throw(ApiException(status=409)), Conflict)


def test_health_merges_failures_close_together_and_slow_answers_into_one_outage() -> None:
    health = ApiHealth()
    health.failed(refused(), unreachable=True)
    health.failed(refused(), unreachable=True)
    health.succeeded()
    health.failed(api_error(503), unreachable=False)  # within a second: the same outage
    health.succeeded()
    [outage] = health.outages(0.0)
    assert outage.failures == 3
    assert outage.ended is not None
    assert outage.unreachable
    later = ApiHealth()
    later.unanswered(time.monotonic() - 6.0, "read pod x")
    [slow] = later.outages(0.0)
    assert slow.failures == 0
    assert slow.first_error.startswith("no answer for 6.0 s to read pod x")
    assert slow.ended is not None
    assert 5.9 <= slow.ended - slow.started <= 6.5
    assert later.outages(time.monotonic() + 1) == []


# --- the watch: a broken connection re-lists, and what changed meanwhile comes out -------------------


def pod(name: str, version: str, restarts: int) -> Any:
    status = client.V1PodStatus(
        container_statuses=[
            client.V1ContainerStatus(
                name="app", image="i", image_id="", ready=True, restart_count=restarts, container_id="c"
            )
        ]
    )
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, resource_version=version, uid=f"uid-{name}"), status=status
    )


class BrokenApi:
    """Lists that fail while the API is down, and watch windows that break."""

    def __init__(self, lists: list[Any], windows: list[list[dict[str, Any]] | BaseException]) -> None:
        self.lists = lists
        self.windows = windows
        self.stop = threading.Event()
        self.listed = 0

    def list_namespaced_pod(self, namespace: str, **_kwargs: Any) -> Any:
        self.listed += 1
        item = self.lists.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def watcher(self) -> Any:
        api = self

        class Window:
            def stream(self, _func: Any, *_args: Any, **_kw: Any) -> Iterator[Any]:
                window = api.windows.pop(0)
                if not api.windows:
                    api.stop.set()
                if isinstance(window, BaseException):
                    raise window
                yield from window

            def stop(self) -> None:
                pass

        return Window()


def test_a_broken_watch_relists_through_the_outage_and_a_restart_in_the_gap_comes_out() -> None:
    down = urllib3.exceptions.MaxRetryError(None, "/api", ConnectionRefusedError(111, "refused"))  # type: ignore[arg-type]
    broken = urllib3.exceptions.ProtocolError("Connection broken", ConnectionResetError(104, "reset"))
    api = BrokenApi(
        lists=[
            client.V1PodList(metadata=client.V1ListMeta(resource_version="10"), items=[pod("a", "10", 0)]),
            down,
            down,
            client.V1PodList(metadata=client.V1ListMeta(resource_version="30"), items=[pod("a", "25", 1)]),
        ],
        windows=[broken, []],
    )
    policy = CallPolicy(outage_s=10.0)
    seen = [
        (kind, obj.metadata.resource_version, obj.status.container_statuses[0].restart_count)
        for kind, obj in watch_collection(api.list_namespaced_pod, "ns", api.stop, api.watcher, policy)
        if kind != SYNCED
    ]
    assert seen == [("ADDED", "10", 0), ("ADDED", "25", 1)]
    assert api.listed == 4
    [outage] = policy.health.outages(0.0)
    assert outage.failures == 3
    assert outage.ended is not None


def test_a_watch_that_stays_broken_past_the_budget_fails() -> None:
    down = urllib3.exceptions.MaxRetryError(None, "/api", ConnectionRefusedError(111, "refused"))  # type: ignore[arg-type]
    listing = client.V1PodList(metadata=client.V1ListMeta(resource_version="1"), items=[])
    api = BrokenApi(lists=[listing, *([down] * 50)], windows=[down, []])
    with pytest.raises(ApiUnreachable):
        list(watch_collection(api.list_namespaced_pod, "ns", api.stop, api.watcher, CallPolicy(outage_s=0.3)))


# --- the timeline, reports and the verdict ------------------------------------------------------------

FAULT = FaultRecord(10.0, "container-kill", "web", "uid-web", "app", "SIGKILL")
GAP = ApiOutage(12.1, 15.3, 4, "read pod web: cannot reach the Kubernetes API: refused")


def container(at: float, restarts: int) -> ContainerSnapshot:
    return ContainerSnapshot(at, "web", "uid-web", "app", "main", "running", "", restarts, True, "c")


def test_the_gap_is_in_the_text_the_json_and_the_lanes() -> None:
    assert GAP.describe().startswith("API unreachable +12.1 s to +15.3 s (4 failed attempts: read pod web")
    assert "GAP API unreachable +12.1 s to +15.3 s" in format_timeline(Timeline((FAULT, GAP)))
    assert entry_from_dict(entry_to_dict(GAP)) == GAP
    ongoing = ApiOutage(12.1, None, 1, "x", unreachable=False)
    assert entry_from_dict(entry_to_dict(ongoing)) == ongoing
    assert "API failing +12.1 s to the end of the recording" in ongoing.describe()
    lanes = build_lanes(Timeline((FAULT, GAP)))
    [api] = [lane for lane in lanes if lane.kind == "api"]
    assert [(s.start, s.end, s.state) for s in api.segments] == [(12.1, 15.3, "s-api-down")]


def test_a_restart_in_the_gap_counts_and_timing_evidence_names_the_gap() -> None:
    pod_snapshot = PodSnapshot(1.0, "web", "uid-web", "n1", "Running", True, False)
    timeline = Timeline((pod_snapshot, container(1.0, 0), FAULT, GAP, container(15.4, 1)))
    counted = judge(RestartCount("app", 1), timeline, 20.0)
    assert counted.outcome.value == "passed"
    assert "gap" not in counted.seen
    ready = judge(PodReady(within=30), timeline, 45.0)
    assert ready.outcome.value == "passed"
    assert "evidence may have fallen into a gap (API unreachable +12.1 s to +15.3 s" in ready.seen
    # A gap before the fault is not this expectation's concern.
    early = Timeline((pod_snapshot, container(1.0, 0), ApiOutage(2.0, 3.0, 1, "x"), FAULT))
    assert "gap" not in judge(PodReady(within=30), early, 45.0).seen


def test_outages_apart_on_a_quiet_watch_do_not_add_up_past_the_budget() -> None:
    # Seen under -n 4 with apiserver restarts: a Job watch in a namespace without Jobs (no event ever
    # came) failed the run after its third restart, each well within the budget, counted from the first.
    broken = urllib3.exceptions.ProtocolError("Response ended prematurely")
    listing = client.V1PodList(metadata=client.V1ListMeta(resource_version="1"), items=[])
    api = BrokenApi(lists=[listing] * 5, windows=[broken, broken, broken, broken, []])
    list(watch_collection(api.list_namespaced_pod, "ns", api.stop, api.watcher, CallPolicy(outage_s=0.3)))
    assert api.listed == 5
