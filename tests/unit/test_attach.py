"""Attach mode's pure parts: the attached workload form, the guard, the blast radius, the implied
``replaced`` expectation and its rule, the traffic client's full Service name."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from podchaos.deploy.guard import REFUSED_NAMESPACES, check_namespace
from podchaos.engine.blast import check_selection, choose
from podchaos.errors import FaultError, ScenarioError, UnsafeNamespace
from podchaos.loader import load_scenario, parse_scenario
from podchaos.model.blast import BlastRadius
from podchaos.model.controllers import Replaced
from podchaos.model.timeline import EventRecord, FaultRecord, PodGone, PodSnapshot, PodState, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict import judge

ISSUE_FORM = """\
workload: {namespace: shop, target: {app: orders}}
faults: [{type: container-kill, container: app}]
expect: [{type: restart-count, container: app, delta: 1}, {type: pod-ready, within: 60s}]
"""


def test_the_issue_form_loads_named_by_its_file(tmp_path: Path) -> None:
    path = tmp_path / "orders-kill.scenario.yaml"
    path.write_text(ISSUE_FORM)
    scenario = load_scenario(path)
    assert scenario.name == "orders-kill"
    assert scenario.workload.attached
    assert scenario.workload.namespace == "shop"
    assert scenario.workload.manifests == ()
    assert dict(scenario.workload.target) == {"app": "orders"}
    assert scenario.workload.blast == BlastRadius("one", 1, None)
    # A container kill leaves the pod to its controller: nothing implied.
    assert [e.type for e in scenario.expectations] == ["restart-count", "pod-ready"]


def test_without_a_file_name_the_name_is_still_required() -> None:
    with pytest.raises(ScenarioError, match="name"):
        parse_scenario(ISSUE_FORM, "inline")


def load(workload: str, faults: str = "[{type: pod-delete}]", extra: str = "") -> object:
    text = f"name: x\nworkload: {workload}\nfaults: {faults}\n"
    text += extra if extra.startswith("expect:") else "expect: [{type: pod-ready, within: 60s}]\n" + extra
    return parse_scenario(text, "x.scenario.yaml")


@pytest.mark.parametrize(
    ("workload", "field", "problem"),
    [
        ("{namespace: shop, target: {app: a}, manifests: []}", "workload.manifests", "must be left out"),
        ("{namespace: shop, target: {app: a}, files: [a.yaml]}", "workload.files", "must be left out"),
        ("{namespace: Shop_1, target: {app: a}}", "workload.namespace", "expected a namespace name"),
        ("{namespace: shop}", "workload.target", "expected a mapping"),
        ("{namespace: shop, target: {}}", "workload.target", "at least one label"),
        ("{namespace: shop, target: {app: a}, pods: some}", "workload.pods", "expected one, all"),
        ("{namespace: shop, target: {app: a}, pods: 0}", "workload.pods", "at least 1"),
        ("{namespace: shop, target: {app: a}, pods: '150%'}", "workload.pods", "1% to 100%"),
        ("{namespace: shop, target: {app: a}, pods: 3, maxPods: 2}", "workload.pods", "more than maxPods 2"),
        ("{namespace: shop, target: {app: a}, maxPods: 0}", "workload.maxPods", "at least 1"),
        ("{namespace: shop, target: {app: a}, mode: all}", "workload.mode", "unknown field"),
    ],
)
def test_bad_attached_workloads_name_the_field(workload: str, field: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        load(workload)
    assert raised.value.field == field, str(raised.value)
    assert problem in str(raised.value)
    assert "x.scenario.yaml" in str(raised.value)


def test_blast_radius_forms() -> None:
    def blast(pods: str) -> BlastRadius:
        scenario = load(f"{{namespace: shop, target: {{app: a}}, pods: {pods}, maxPods: 8}}")
        return scenario.workload.blast  # type: ignore[attr-defined, no-any-return]

    assert blast("all") == BlastRadius("all", 1, 8)
    assert blast("2") == BlastRadius("count", 2, 8)
    assert blast("'50%'") == BlastRadius("percent", 50, 8)


@pytest.mark.parametrize(
    ("radius", "selected", "taken"),
    [
        (BlastRadius(), 5, 1),
        (BlastRadius("all"), 5, 5),
        (BlastRadius("count", 2), 5, 2),
        (BlastRadius("percent", 50), 5, 3),
        (BlastRadius("percent", 10), 3, 1),
        (BlastRadius("percent", 100), 4, 4),
    ],
)
def test_blast_radius_counts(radius: BlastRadius, selected: int, taken: int) -> None:
    assert radius.count(selected) == taken


def state(name: str) -> PodState:
    return PodState(PodSnapshot(0.0, name, f"uid-{name}", "n1", "Running", True, False, "", (), ""), ())


def test_a_target_selecting_none_or_too_many_is_refused() -> None:
    with pytest.raises(FaultError, match="selects no pod in namespace shop"):
        check_selection(BlastRadius(), [], "namespace shop")
    with pytest.raises(FaultError, match="selects 3 pods in namespace shop, more than maxPods 2"):
        check_selection(BlastRadius(max_pods=2), [state("a"), state("b"), state("c")], "namespace shop")
    with pytest.raises(FaultError, match="asks for 3 pods but the target selects only 2"):
        check_selection(BlastRadius("count", 3), [state("a"), state("b")], "namespace shop")
    check_selection(BlastRadius(max_pods=2), [state("a"), state("b")], "namespace shop")


def test_choose_draws_at_random_and_all_takes_every_pod() -> None:
    pods = [state(name) for name in "abcd"]
    drawn = {choose(BlastRadius(), pods, random.Random(seed))[0].pod.pod for seed in range(40)}
    assert drawn == set("abcd")  # not always the first
    assert [p.pod.pod for p in choose(BlastRadius("all"), pods, random.Random(1))] == list("abcd")
    assert len(choose(BlastRadius("percent", 50), pods, random.Random(1))) == 2


@pytest.mark.parametrize("namespace", REFUSED_NAMESPACES)
def test_system_namespaces_are_refused_whatever_is_allowed(namespace: str) -> None:
    with pytest.raises(UnsafeNamespace, match="never chaos targets"):
        check_namespace(namespace, (namespace,))


def test_a_namespace_must_be_allowed_explicitly() -> None:
    with pytest.raises(
        UnsafeNamespace, match=r"not allowed explicitly .none is allowed.*--podchaos-allow-namespace shop"
    ):
        check_namespace("shop", ())
    with pytest.raises(UnsafeNamespace, match=r"\(allowed: payments\)"):
        check_namespace("shop", ("payments",))
    check_namespace("shop", ("payments", "shop"))


def test_pod_delete_and_drain_imply_a_replacement_check() -> None:
    deleted = load("{namespace: shop, target: {app: a}}")
    assert deleted.expectations[-1] == Replaced()  # type: ignore[attr-defined]
    drained = load("{namespace: shop, target: {app: a}}", "[{type: node-drain}]")
    assert drained.expectations[-1] == Replaced()  # type: ignore[attr-defined]
    asked = load("{namespace: shop, target: {app: a}}", extra="expect: [{type: replaced, within: 30s}]\n")
    assert asked.expectations == (Replaced(within=30.0),)  # type: ignore[attr-defined]


def test_attached_traffic_calls_the_service_by_its_full_name() -> None:
    scenario = load("{namespace: shop, target: {app: a}}", extra="traffic: {service: orders, port: 80}\n")
    assert scenario.traffic.target == "orders.shop.svc.cluster.local:80"  # type: ignore[attr-defined]


def snap(at: float, name: str, ready: bool = True, deleting: bool = False) -> PodSnapshot:
    return PodSnapshot(at, name, f"uid-{name}", "n1", "Running", ready, deleting, "ReplicaSet/x", (), "")


def replaced_outcome(*entries: object, now: float = 30.0) -> Outcome:
    fault = FaultRecord(10.0, "pod-delete", "a", "uid-a", "", "")
    timeline = Timeline().plus(snap(1.0, "a"), snap(1.0, "b"), fault, *entries)  # type: ignore[arg-type]
    return judge(Replaced(within=60.0), timeline, now).outcome


def test_replaced_passes_once_a_new_pod_is_ready_in_place_of_the_deleted_one() -> None:
    assert replaced_outcome(snap(10.5, "a", deleting=True), snap(11.0, "c", ready=False)) == Outcome.PENDING
    assert (
        replaced_outcome(snap(10.5, "a", deleting=True), PodGone(11.0, "a", "uid-a"), snap(12.0, "c"))
        == Outcome.PASSED
    )
    # Nothing went: not a replacement (and failed once the time is up).
    assert replaced_outcome(now=30.0) == Outcome.PENDING
    assert replaced_outcome(now=80.0) == Outcome.FAILED
    # Gone and never replaced, the ReplicaSet saying why: failed. Saying nothing, it never acted: the
    # control plane's stall, undecided (podchaos.verdict.stalls).
    refused = EventRecord(11.5, "a", "FailedCreate", "exceeded quota", "Warning", "uid-e", 1)
    assert replaced_outcome(PodGone(11.0, "a", "uid-a"), refused, now=80.0) == Outcome.FAILED
    assert replaced_outcome(PodGone(11.0, "a", "uid-a"), now=80.0) == Outcome.UNDECIDED


def test_the_restore_mark_names_what_the_faults_and_tokens_touch() -> None:
    from podchaos.engine.attach import restore_mark
    from podchaos.model.restore_mark import RestoreMark

    scenario = load(
        "{namespace: shop, target: {app: a}}",
        "[{type: probe-fail, container: app, path: /www/index.html},"
        " {type: container-freeze, container: app}]",
        "expect: [{type: emptydir-kept, container: app, path: /data/x}]\n",
    )
    mark = restore_mark("shop", "app=a", scenario.faults, scenario.expectations)  # type: ignore[attr-defined]
    assert mark == RestoreMark(
        "shop", "app=a", (("app", "/www/index.html"),), ("app",), (("app", "/data/x"),)
    )
    assert RestoreMark.from_annotation(mark.to_annotation()) == mark
    assert RestoreMark.from_annotation("not json") is None
    assert RestoreMark.from_annotation('{"namespace": "shop"}') is None
