"""The JSON report round-trips the model; the HTML report draws every scenario; ``podchaos report``."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from podchaos import __version__
from podchaos.cli import main
from podchaos.errors import ReportError
from podchaos.loader import load_scenario
from podchaos.model import (
    ClusterInfo,
    ContainerSnapshot,
    EventRecord,
    EventSeen,
    FaultRecord,
    FileToken,
    PhaseTimes,
    PodDelete,
    PodGone,
    PodReady,
    PodSnapshot,
    RunReport,
    RunResult,
    ScenarioRun,
    Timeline,
    TimelineEntry,
    Verdict,
)
from podchaos.model.timeline import EndpointsSnapshot, EndpointState, Termination
from podchaos.report.files import load_report, read_runs, write_report, write_run
from podchaos.report.html import render_html
from podchaos.report.json_report import report_from_dict, report_to_dict, run_from_dict, run_to_dict
from podchaos.report.lanes import build_lanes
from podchaos.report.svg import nice_step, render_timeline_svg
from podchaos.report.text import format_result
from podchaos.verdict import judge_all

ROOT = Path(__file__).resolve().parents[2]
SIDECAR_KILL = load_scenario(ROOT / "scenarios" / "sidecar-kill.scenario.yaml")


def container(
    at: float,
    name: str,
    state: str,
    restarts: int = 0,
    ready: bool = True,
    pod: str = "orders",
    uid: str = "uid-orders",
    last: Termination | None = None,
) -> ContainerSnapshot:
    return ContainerSnapshot(
        at=at,
        pod=pod,
        pod_uid=uid,
        container=name,
        role="sidecar" if name == "log-agent" else "main",
        state=state,  # type: ignore[arg-type]
        reason="Error" if state == "terminated" else "",
        restart_count=restarts,
        ready=ready,
        container_id=f"containerd://{name}{restarts}",
        last_termination=last,
    )


def pod_snapshot(
    at: float, ready: bool, pod: str = "orders", uid: str = "uid-orders", **kw: object
) -> PodSnapshot:
    return PodSnapshot(
        at=at,
        pod=pod,
        pod_uid=uid,
        node=str(kw.get("node", "node-1")),
        phase=str(kw.get("phase", "Running")),
        ready=ready,
        deleting=bool(kw.get("deleting", False)),
    )


def sidecar_kill_run() -> ScenarioRun:
    """The catalogue's sidecar-kill scenario with a timeline as a real run records it."""
    token = "/var/log/app/podchaos-token"
    entries: list[TimelineEntry] = [
        pod_snapshot(0.8, False, phase="Pending"),
        *(container(1.5, name, "running") for name in ("app", "db-proxy", "log-agent")),
        pod_snapshot(3.1, True),
        FileToken(4.0, "orders", "uid-orders", "app", token, "t0k3n", "before-fault"),
        FaultRecord(10.0, "container-kill", "orders", "uid-orders", "log-agent", "SIGKILL to host PID 4242"),
        container(10.4, "log-agent", "terminated", ready=False),
        pod_snapshot(10.5, False),
        EventRecord(10.6, "orders", "Pulled", 'Container image "busybox:1.35" already present', "Normal"),
        container(11.2, "log-agent", "running", restarts=1, last=Termination("Error", 137, "t1", "t2")),
        pod_snapshot(11.9, True),
        FileToken(12.5, "orders", "uid-orders", "app", token, "t0k3n", "after-recovery"),
        FileToken(12.6, "orders", "uid-orders", "app", "/missing", None, "after-recovery"),
    ]
    timeline = Timeline().plus(*entries)
    result = RunResult(
        scenario=SIDECAR_KILL.name,
        namespace="pc-sidecar-kill-1a2b3c4d",
        verdict=judge_all(SIDECAR_KILL.expectations, timeline, 16.0, final=True),
        timeline=timeline,
        started_at="2025-01-01T10:00:00+00:00",
        duration_s=21.3,
    )
    return ScenarioRun(
        result=dataclasses.replace(
            result,
            faults=SIDECAR_KILL.faults,
            expectations=SIDECAR_KILL.expectations,
            target=dict(SIDECAR_KILL.workload.target),
            phases=PhaseTimes(deploy=0.2, steady=4.1, inject=0.6, observe=5.3, settle=0.4, cleanup=0.1),
        ),
        description=SIDECAR_KILL.description,
        source=SIDECAR_KILL.source,
        nodeid="scenarios/sidecar-kill.scenario.yaml::sidecar-kill",
        worker="gw0",
        cluster=ClusterInfo("local", "embedded local cluster v1.35.4 (2 nodes)", "v1.35.4"),
        podchaos_version=__version__,
    )


def pod_delete_run() -> ScenarioRun:
    """A Deployment pod deleted and replaced on another node; fails its pod-ready deadline."""
    expectations = (PodReady(within=2.0), EventSeen(reason="Killing"))
    entries: list[TimelineEntry] = [
        pod_snapshot(1.0, True, "web-a", "a"),
        container(1.0, "server", "running", pod="web-a", uid="a"),
        FaultRecord(5.0, "pod-delete", "web-a", "a", "", "grace period 5s"),
        EventRecord(5.1, "web-a", "Killing", "Stopping container server", "Normal"),
        pod_snapshot(5.2, True, "web-a", "a", deleting=True),
        pod_snapshot(5.6, False, "web-b", "b", node="", phase="Pending"),
        pod_snapshot(5.9, False, "web-b", "b", node="node-2", phase="Pending"),
        container(6.5, "server", "waiting", ready=False, pod="web-b", uid="b"),
        container(6.8, "server", "terminated", ready=False, pod="web-a", uid="a"),
        PodGone(7.0, "web-a", "a"),
        container(7.5, "server", "running", pod="web-b", uid="b"),
        pod_snapshot(8.5, True, "web-b", "b", node="node-2"),
    ]
    timeline = Timeline().plus(*entries)
    result = RunResult(
        scenario="pod-delete-replace",
        namespace="pc-pod-delete-replace-ffff0000",
        verdict=judge_all(expectations, timeline, 12.0, final=True),
        timeline=timeline,
        started_at="2025-01-01T10:00:30+00:00",
        duration_s=15.2,
        diagnostics=(
            "pod web-b phase=Running ready=True node=node-2",
            "events:\n  <script>alert(1)</script>",
        ),
    )
    return ScenarioRun(
        result=dataclasses.replace(result, faults=(PodDelete(grace_period=5.0),), expectations=expectations),
        description="Delete a Deployment pod",
        source="my-scenarios/pod-delete-replace.scenario.yaml",
        worker="gw1",
    )


def error_run() -> ScenarioRun:
    result = RunResult(
        scenario="broken-image",
        namespace="pc-broken-image-00000000",
        verdict=judge_all((PodReady(30.0),), Timeline(), 0.0, final=True),
        timeline=Timeline(),
        started_at="2025-01-01T10:01:00+00:00",
        duration_s=60.5,
        error="SteadyStateTimeout: pods never became Ready",
        notes=("Deployment/web: namespace shop replaced by the run's own",),
    )
    return ScenarioRun(result=dataclasses.replace(result, expectations=(PodReady(30.0),)))


def sample_report() -> RunReport:
    return RunReport(
        run_id="20250101T100000Z-abc123",
        created_at="2025-01-01T10:02:00+00:00",
        podchaos_version=__version__,
        runs=(sidecar_kill_run(), pod_delete_run(), error_run()),
    )


# --- JSON -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [sidecar_kill_run, pod_delete_run, error_run])
def test_a_run_round_trips_through_json(make: Callable[[], ScenarioRun]) -> None:
    run = make()
    text = json.dumps(run_to_dict(run))
    assert run_from_dict(json.loads(text)) == run


def test_the_notes_on_the_workload_are_in_every_rendering() -> None:
    run = error_run()
    note = "Deployment/web: namespace shop replaced by the run's own"
    assert run_to_dict(run)["notes"] == [note]
    assert f"notes:\n  {note}" in format_result(run.result)
    assert "namespace shop replaced by the run&#x27;s own" in render_html(sample_report())


def test_the_run_document_carries_verdict_measurements_and_versions() -> None:
    document = run_to_dict(sidecar_kill_run())
    assert document["outcome"] == "passed"
    assert document["versions"] == {"podchaos": __version__, "cluster": "v1.35.4"}
    assert document["measurements"] == {
        "not_ready": 0.5,
        "container_restart": 1.2,
        "ready": 1.9,
        "endpoint_removed": None,
        "endpoint_returned": None,
        "rescheduled": None,
        "service_restored": None,
    }
    first = document["verdict"]["results"][0]
    assert first["expectation"] == {"type": "restart-count", "container": "log-agent", "delta": 1}
    assert (first["outcome"], first["seen"]) == ("passed", "restartCount 0 -> 1 (+1)")
    assert document["faults"] == [
        {"type": "container-kill", "container": "log-agent", "signal": "SIGKILL", "repeat": 1}
    ]
    kinds = [entry["kind"] for entry in document["timeline"]]
    assert {"PodSnapshot", "ContainerSnapshot", "FaultRecord", "EventRecord", "FileToken"} <= set(kinds)
    termination = next(
        e for e in document["timeline"] if e["kind"] == "ContainerSnapshot" and e["restart_count"]
    )
    assert termination["last_termination"]["exit_code"] == 137


def test_results_json_round_trips_from_the_file_or_its_directory(tmp_path: Path) -> None:
    report = sample_report()
    path = write_report(tmp_path / report.run_id, report)
    document = json.loads(path.read_text())
    assert document["summary"] == {"scenarios": 3, "passed": 1, "failed": 1, "error": 1}
    assert document["versions"] == {"podchaos": __version__, "cluster": "v1.35.4"}
    assert load_report(path) == report
    assert load_report(path.parent) == report


def test_unknown_cluster_version_is_null() -> None:
    report = replace(sample_report(), runs=(pod_delete_run(),))
    assert report_to_dict(report)["versions"]["cluster"] is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema=99), "not a podchaos results document"),
        (
            lambda d: d["scenarios"][0]["timeline"][0].update(kind="Bogus"),
            r"timeline\[0\]: unknown kind 'Bogus'",
        ),
        (lambda d: d["scenarios"][1]["faults"][0].update(type="node-reboot"), r"faults\[0\]: unknown type"),
        (lambda d: d["scenarios"][0]["verdict"]["results"][0].update(outcome="maybe"), r"outcome"),
        (lambda d: d["scenarios"][0].pop("namespace"), r"scenarios\[0\]\.namespace: missing"),
    ],
)
def test_invalid_documents_name_where_they_are_wrong(
    mutate: Callable[[dict[str, Any]], object], message: str
) -> None:
    document = report_to_dict(sample_report())
    mutate(document)
    with pytest.raises(ReportError, match=message):
        report_from_dict(document)


def test_missing_report_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read"):
        load_report(tmp_path)


# --- HTML -----------------------------------------------------------------------------------------------


class Elements(HTMLParser):
    """Collects start tags with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {key: value or "" for key, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def test_html_has_every_scenario_and_a_lane_per_container() -> None:
    report = sample_report()
    html = render_html(report)
    tags = elements(html)
    sections = [attrs["data-scenario"] for tag, attrs in tags if tag == "section"]
    assert sections == ["sidecar-kill", "pod-delete-replace", "broken-image"]
    assert len([tag for tag, _ in tags if tag == "svg"]) == 3
    lanes = [attrs["data-lane"] for tag, attrs in tags if "container-lane" in attrs.get("class", "")]
    assert lanes == [
        "orders/app",
        "orders/db-proxy",
        "orders/log-agent [sidecar]",
        "web-a/server",
        "web-b/server",
    ]
    pods = [attrs["data-lane"] for tag, attrs in tags if "pod-lane" in attrs.get("class", "")]
    assert pods == ["pod orders @ node-1", "pod web-a @ node-1", "pod web-b @ node-2"]
    assert html.count('class="fault"') == 2
    assert "no pod was observed" in html


def test_html_shows_verdict_measurements_diagnostics_and_versions() -> None:
    html = render_html(sample_report())
    assert "restartCount 0 -&gt; 1 (+1)" in html
    assert "a target pod Ready again within 2s of the fault" in html
    assert "SteadyStateTimeout: pods never became Ready" in html
    assert "pod web-b phase=Running ready=True node=node-2" in html
    assert "cluster v1.35.4" in html
    assert f"podchaos {__version__}" in html
    assert '<td class="num">1.90 s</td>' in html
    for label in ("pod Ready", "container restart", "fault injected", "container terminated"):
        assert f">{label}</text>" in html


def test_html_is_self_contained_and_escapes_cluster_text() -> None:
    html = render_html(sample_report())
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    for external in ("<link", "@import", "url(", "<iframe", "<img"):
        assert external not in html


def test_every_timeline_svg_is_well_formed_xml() -> None:
    html = render_html(sample_report())
    drawings = re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)
    assert len(drawings) == 3
    for drawing in drawings:
        root = ET.fromstring(drawing)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_lanes_mark_the_termination_and_the_restart_when_they_happened() -> None:
    lanes = {lane.key: lane for lane in build_lanes(sidecar_kill_run().result.timeline)}
    agent = lanes["uid-orders/log-agent"]
    assert [(m.kind, m.at) for m in agent.marks] == [("terminated", 10.4), ("restart", 11.2)]
    assert [(s.state, s.start, s.end) for s in agent.segments] == [
        ("running", 1.5, 10.4),
        ("terminated", 10.4, 11.2),
        ("running", 11.2, 12.6),
    ]
    band = lanes["uid-orders"]
    assert [s.state for s in band.segments] == ["not-ready", "ready", "not-ready", "ready"]
    app = lanes["uid-orders/app"]
    assert [m.kind for m in app.marks] == ["probe", "probe", "probe"]


def test_a_deleted_pod_ends_at_its_deletion() -> None:
    lanes = {lane.key: lane for lane in build_lanes(pod_delete_run().result.timeline)}
    assert [(m.kind, m.at) for m in lanes["a"].marks] == [("gone", 7.0)]
    assert lanes["a"].segments[-1].end == 7.0
    assert [s.state for s in lanes["a"].segments] == ["ready", "deleting"]


def test_repeated_pod_names_are_told_apart_by_uid() -> None:
    timeline = Timeline().plus(
        pod_snapshot(1.0, True, "db-0", "11111111-aaaa"),
        PodGone(2.0, "db-0", "11111111-aaaa"),
        pod_snapshot(3.0, True, "db-0", "22222222-bbbb"),
    )
    labels = [lane.label for lane in build_lanes(timeline)]
    assert labels == ["pod db-0 (11111111) @ node-1", "pod db-0 (22222222) @ node-1"]


@pytest.mark.parametrize(("span", "step"), [(12.0, 2.0), (1.0, 0.2), (95.0, 20.0), (300.0, 50.0)])
def test_tick_steps_are_round(span: float, step: float) -> None:
    assert nice_step(span) == pytest.approx(step)


def test_a_long_timeline_stays_small_with_a_mark_per_restart() -> None:
    entries: list[TimelineEntry] = [pod_snapshot(0.5, True)]
    for second in range(600):
        # A container flapping every second for ten minutes: 1200 status changes.
        entries.append(container(second + 1.0, "app", "running", restarts=second))
        entries.append(container(second + 1.5, "app", "terminated", restarts=second, ready=False))
    entries.insert(1, FaultRecord(1.2, "container-kill", "orders", "uid-orders", "app", ""))
    run = replace(
        sidecar_kill_run(), result=replace(sidecar_kill_run().result, timeline=Timeline().plus(*entries))
    )
    report = replace(sample_report(), runs=(run,))
    html = render_html(report)  # its speed is measured by bench/run.py
    assert len(html) < 2_000_000
    assert html.count('class="m-restart"') == 599 + 1  # 599 restarts and the legend's sample


# --- podchaos report ------------------------------------------------------------------------------------


def test_podchaos_report_redraws_the_html_from_results_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = sample_report()
    run_dir = tmp_path / report.run_id
    write_report(run_dir, report)
    assert main(["report", str(run_dir)]) == 0
    written = run_dir / "report.html"
    assert capsys.readouterr().out.strip() == str(written)
    assert written.read_text() == render_html(report)
    other = tmp_path / "elsewhere.html"
    assert main(["report", str(run_dir / "results.json"), "-o", str(other)]) == 0
    assert other.read_text() == written.read_text()


def test_podchaos_report_on_a_non_report_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "results.json").write_text('{"hello": "world"}')
    assert main(["report", str(tmp_path)]) == 2
    assert "not a podchaos results document" in capsys.readouterr().err


def test_podchaos_report_to_an_unwritable_path_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = sample_report()
    write_report(tmp_path, report)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    target = blocker / "report.html"
    assert main(["report", str(tmp_path), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"podchaos: error: cannot write {target}: ")
    assert "Traceback" not in err


def test_a_node_id_names_a_run_document_with_a_safe_file_name(tmp_path: Path) -> None:
    nodeid = "tests/test_web.py::test_kill[a/b]"
    result = RunResult(nodeid, "pc-test-kill-1", Verdict(()), Timeline(), "", 1.0)
    path = write_run(tmp_path / "runs", ScenarioRun(result=result))
    assert path.parent == tmp_path / "runs"
    assert path.name == "tests_test_web.py_test_kill_a_b-pc-test-kill-1.json"
    (back,) = read_runs(tmp_path / "runs")
    assert back.result.scenario == nodeid


def test_the_last_state_of_a_lane_is_drawn_up_to_the_edge() -> None:
    # The recovery is often the last entry: it must not become a zero-width segment.
    timeline = sidecar_kill_run().result.timeline
    lanes = {lane.key: lane for lane in build_lanes(timeline, until=14.0)}
    assert lanes["uid-orders"].segments[-1].state == "ready"
    assert (lanes["uid-orders"].segments[-1].start, lanes["uid-orders"].segments[-1].end) == (11.9, 14.0)
    last_ready = Timeline().plus(*timeline.entries, pod_snapshot(13.0, False), pod_snapshot(13.5, True))
    svg = render_timeline_svg(last_ready, "t")
    pod_lane = re.search(r'<g class="lane pod-lane".*?</g>', svg, flags=re.DOTALL)
    assert pod_lane is not None
    states = re.findall(r'class="seg s-([a-z-]+)"', pod_lane.group(0))
    assert states[-2:] == ["not-ready", "ready"]


def test_endpoint_lanes_follow_the_endpointslice() -> None:
    def endpoints(at: float, *states: EndpointState) -> EndpointsSnapshot:
        return EndpointsSnapshot(at, "web-x1", "web", states)

    ready = EndpointState("web", "uid-web", "10.251.1.4", True, True, False)
    terminating = EndpointState("web", "uid-web", "10.251.1.4", False, True, True)
    lanes = build_lanes(
        Timeline().plus(
            pod_snapshot(0.5, True, pod="web", uid="uid-web"),
            endpoints(1.0, ready),
            EndpointsSnapshot(1.5, "db-x1", "db", ()),  # another Service's slice: not this lane
            endpoints(3.0, terminating),
            endpoints(5.0),
        ),
        until=6.0,
    )
    (lane,) = [lane for lane in lanes if lane.kind == "endpoint"]
    assert lane.label == "endpoint web"
    assert [(s.start, s.end, s.state) for s in lane.segments] == [
        (1.0, 3.0, "ready"),
        (3.0, 5.0, "deleting"),
        (5.0, 6.0, "absent"),
    ]


def test_phase_times_are_in_the_json_and_in_the_html() -> None:
    run = sidecar_kill_run()
    document = run_to_dict(run)
    assert document["phases"]["steady"] == 4.1
    assert document["target"] == dict(SIDECAR_KILL.workload.target)
    assert run_from_dict(document).result.phases == run.result.phases
    html = render_html(
        RunReport(run_id="r", created_at="", podchaos_version=__version__, runs=(run,), leftovers=("pc-x-1",))
    )
    assert "Where the time went" in html
    assert 'steady (targets Ready, tokens written)</td><td class="num">4.10 s' in html
    assert report_from_dict(report_to_dict(RunReport("r", "", "", (run,), ("pc-x-1",)))).leftovers == (
        "pc-x-1",
    )
