"""Reporting in real pytest sessions (pytester): run documents, results.json, HTML, JUnit, metrics, xdist.

The sessions' tests call the scenario-finished hook with synthetic results, as a scenario item does
after a run, so no cluster is needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

CONFTEST = """
from podchaos.model import (
    ContainerKill, ContainerSnapshot, ExpectationResult, FaultRecord, Outcome, PodSnapshot, RestartCount,
    RunResult, Scenario, Timeline, Verdict, Workload,
)
from podchaos.model.timeline import Termination


def scenario(name):
    return Scenario(
        name=name,
        description=f"{name} demo",
        source=f"scenarios/{name}.scenario.yaml",
        workload=Workload(manifests=(), target={"app": "web"}),
        faults=(ContainerKill("agent"),),
        expectations=(RestartCount("agent", 1),),
    )


def snapshot(at, restarts, state="running"):
    return ContainerSnapshot(
        at=at, pod="web", pod_uid="uid-web", container="agent", role="main", state=state, reason="",
        restart_count=restarts, ready=state == "running", container_id=f"containerd://{restarts}",
        last_termination=Termination("Error", 137) if restarts else None,
    )


def pod(at, ready):
    return PodSnapshot(at=at, pod="web", pod_uid="uid-web", node="node-1", phase="Running", ready=ready,
                       deleting=False)


def result(name, namespace, ready_after, outcome="passed"):
    fault = FaultRecord(at=10.0, fault="container-kill", pod="web", pod_uid="uid-web", container="agent",
                        detail="SIGKILL")
    timeline = Timeline().plus(
        pod(1.0, True), snapshot(1.0, 0), fault, snapshot(10.3, 0, "terminated"), pod(10.5, False),
        snapshot(10.9, 1), pod(10.0 + ready_after, True),
    )
    judged = Outcome.PASSED if outcome == "passed" else Outcome.FAILED
    judgement = ExpectationResult(RestartCount("agent", 1), judged, "agent +1", "restartCount 0 -> 1")
    verdict = Verdict((judgement,))
    return RunResult(
        scenario=name, namespace=namespace, verdict=verdict, timeline=timeline,
        started_at="2025-01-01T00:00:00+00:00", duration_s=12.5,
        error="DeployError: boom" if outcome == "error" else "",
        faults=(ContainerKill("agent"),), expectations=(RestartCount("agent", 1),), target={"app": "web"},
    )
"""

TESTS = """
import os

import pytest

from conftest import result, scenario

CASES = [
    ("kill-agent", 1.5, "passed"),
    ("kill-agent", 3.0, "failed"),
    ("kill-other", 0.8, "error"),
]


@pytest.mark.parametrize(("name", "ready_after", "outcome"), CASES)
def test_chaos(request, name, ready_after, outcome):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    namespace = f"pc-{name}-{worker}-{ready_after:g}".replace(".", "-")
    item = request.node
    # What a scenario item does after a run (the hook under its pytest_-prefixed name, see reporting.py).
    item.ihook.pytest_podchaos_scenario_finished(
        item=item, scenario=scenario(name), result=result(name, namespace, ready_after, outcome)
    )
"""

SampleKey = tuple[str, tuple[tuple[str, str], ...]]


def metric_samples(path: Path) -> dict[SampleKey, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(path.read_text())
        for sample in family.samples
    }


def run_dirs(report_dir: Path) -> list[Path]:
    return sorted(path for path in report_dir.iterdir() if path.is_dir())


@pytest.fixture
def chaos_session(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_chaos=TESTS)
    return pytester


def test_a_session_writes_results_html_junit_and_textfile(chaos_session: pytest.Pytester) -> None:
    result = chaos_session.runpytest_subprocess(
        "-p", "no:cacheprovider", "--junitxml=junit.xml", "--podchaos-metrics-file=metrics/podchaos.prom"
    )
    result.assert_outcomes(passed=3)
    (run_dir,) = run_dirs(chaos_session.path / "reports")
    result.stdout.fnmatch_lines([f"podchaos report: {run_dir / 'report.html'} (3 scenario run(s), run id *)"])
    assert len(list((run_dir / "runs").glob("*.json"))) == 3

    document = json.loads((run_dir / "results.json").read_text())
    assert document["run_id"] == run_dir.name
    assert document["summary"] == {"scenarios": 3, "passed": 1, "failed": 1, "error": 1}
    assert document["versions"]["podchaos"] == "0.1.0"
    ready = sorted(s["measurements"]["ready"] for s in document["scenarios"])
    assert ready == [0.8, 1.5, 3.0]
    first = document["scenarios"][0]
    assert first["verdict"]["results"][0]["expected"] == "agent +1"
    assert first["nodeid"].startswith("test_chaos.py::test_chaos[")
    assert {"faults", "expectations", "timeline", "duration_s", "error", "diagnostics"} <= set(first)

    html = (run_dir / "report.html").read_text()
    assert html.count('<section class="scenario"') == 3
    assert html.count('data-lane="web/agent"') == 3

    junit = ET.parse(chaos_session.path / "junit.xml")
    properties = {
        prop.get("name"): prop.get("value")
        for case in junit.iter("testcase")
        if case.get("name") == "test_chaos[kill-agent-1.5-passed]"
        for prop in case.iter("property")
    }
    assert properties["podchaos_recovery_ready_s"] == "1.5"
    assert properties["podchaos_recovery_container_restart_s"] == "0.9"
    assert properties["podchaos_recovery_not_ready_s"] == "0.5"
    assert properties["podchaos_outcome"] == "passed"

    samples = metric_samples(chaos_session.path / "metrics" / "podchaos.prom")
    runs = "podchaos_scenario_runs_total"
    kill = ("fault", "container-kill")
    assert samples[(runs, (kill, ("outcome", "passed"), ("scenario", "kill-agent")))] == 1
    assert samples[(runs, (kill, ("outcome", "error"), ("scenario", "kill-other")))] == 1
    ready_count = (
        "podchaos_recovery_ready_seconds_count",
        (("fault", "container-kill"), ("scenario", "kill-agent")),
    )
    assert samples[ready_count] == 2


def test_xdist_workers_share_one_run_and_the_metrics_are_their_sum(chaos_session: pytest.Pytester) -> None:
    single = chaos_session.runpytest_subprocess(
        "-p", "no:cacheprovider", "--podchaos-report-dir=single", "--podchaos-metrics-file=single.prom"
    )
    single.assert_outcomes(passed=3)
    # --dist each runs every test on both workers: each worker reports all three runs.
    spread = chaos_session.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--dist",
        "each",
        "--podchaos-report-dir=spread",
        "--podchaos-metrics-file=spread.prom",
        "--junitxml=junit.xml",
    )
    spread.assert_outcomes(passed=6)
    (run_dir,) = run_dirs(chaos_session.path / "spread")
    document = json.loads((run_dir / "results.json").read_text())
    assert document["summary"]["scenarios"] == 6
    assert sorted(s["worker"] for s in document["scenarios"]) == ["gw0"] * 3 + ["gw1"] * 3

    once = metric_samples(chaos_session.path / "single.prom")
    summed = metric_samples(chaos_session.path / "spread.prom")
    assert set(summed) == set(once)
    for key, value in once.items():
        # podchaos_run_info is always 1 (which versions the export holds), never a sum.
        expected = value if key[0] == "podchaos_run_info" else 2 * value
        assert summed[key] == pytest.approx(expected), key

    # The workers' JUnit properties reach the controller's XML.
    junit = (chaos_session.path / "junit.xml").read_text()
    assert junit.count('name="podchaos_recovery_ready_s"') == 6


def test_podchaos_report_redraws_what_the_plugin_wrote(chaos_session: pytest.Pytester) -> None:
    chaos_session.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
    (run_dir,) = run_dirs(chaos_session.path / "reports")
    written = (run_dir / "report.html").read_text()
    redrawn = chaos_session.path / "again.html"
    command = [sys.executable, "-m", "podchaos.cli", "report", str(run_dir), "-o", str(redrawn)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    assert redrawn.read_text() == written


def test_unreachable_pushgateway_warns_without_failing_the_tests(chaos_session: pytest.Pytester) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    result = chaos_session.runpytest_subprocess(
        "-p", "no:cacheprovider", "--podchaos-pushgateway=127.0.0.1:9"
    )
    result.assert_outcomes(passed=3)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["podchaos: WARNING cannot push metrics to 127.0.0.1:9*"])


def test_a_session_without_scenario_runs_writes_no_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_nothing_chaotic():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--podchaos-metrics-file=empty.prom")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists()
    families = {f.name for f in text_string_to_metric_families((pytester.path / "empty.prom").read_text())}
    assert "podchaos_scenario_runs" in families


def test_help_lists_the_reporting_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(
        ["*--podchaos-report-dir=DIR*", "*--podchaos-pushgateway=URL*", "*--podchaos-metrics-file=PATH*"]
    )


def test_the_reporting_hooks_are_checked_against_the_podchaos_hookspecs() -> None:
    from podchaos.pytest_plugin import hookspecs
    from podchaos.pytest_plugin.reporting import ReportingPlugin

    specs = {name for name in vars(hookspecs) if name.startswith("pytest_podchaos_")}
    implemented = {name for name in vars(ReportingPlugin) if name.startswith("pytest_podchaos_")}
    assert implemented == specs
    for name in implemented:
        # Not optional: a hook renamed in hookspecs.py makes pytest reject the implementation.
        options = getattr(getattr(ReportingPlugin, name), "pytest_impl", {})
        assert not options.get("optionalhook", False), name


def test_an_implementation_of_a_renamed_podchaos_hook_is_rejected(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("def pytest_podchaos_scenario_done(item, scenario, result):\n    pass\n")
    pytester.makepyfile(test_plain="def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    assert "unknown hook 'pytest_podchaos_scenario_done'" in result.stdout.str() + result.stderr.str()
