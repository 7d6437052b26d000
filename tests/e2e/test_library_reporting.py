"""Tests written with the ``chaos`` fixture (the library API) are reported like scenario runs.

A real pytest session (pytester) on the cluster: three library tests, one passing, one whose
expectation fails, one that cannot inject its fault; each shows up in results.json, the metrics
textfile and JUnit, named by its node id, with its faults, verdicts and timeline.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from host_tools import SampleKey, key, samples_of

from podchaos.cluster.local.layout import Layout

# Read at import, before pytester points HOME at a temporary directory (Layout.default() follows HOME).
BUILD_CACHE = Layout.default().cache

LIBRARY_TESTS = '''
from podchaos.model import LastTerminated, PodReady, RestartCount

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "terminationGracePeriodSeconds": 1,
        "containers": [
            {"name": "server", "image": "docker.io/library/busybox:1.35", "imagePullPolicy": "IfNotPresent",
             "command": ["httpd", "-f", "-p", "8080"]},
            {"name": "log-watcher", "image": "docker.io/library/busybox:1.35",
             "imagePullPolicy": "IfNotPresent", "command": ["sleep", "3600"]},
        ],
    },
}


def test_sidecar_restarts_alone(chaos):
    """The log watcher restarts alone.

    Second paragraph, not part of the description.
    """
    chaos.apply([POD])
    with chaos.record(app="web") as run:
        run.kill_container("log-watcher")
        verdict = run.expect(RestartCount("log-watcher", 1), RestartCount("server", 0), PodReady(within=30))
    assert verdict.passed, run.explain(verdict)


def test_expects_the_wrong_exit_code(chaos):
    chaos.apply([POD])
    with chaos.record(app="web") as run:
        run.kill_container("log-watcher")
        verdict = run.expect(LastTerminated("log-watcher", exit_code=143), timeout=30)
    assert verdict.passed, run.explain(verdict)


def test_kills_a_container_the_pod_does_not_have(chaos):
    chaos.apply([POD])
    with chaos.record(app="web") as run:
        run.kill_container("no-such-container")
'''

PASSING = "test_library.py::test_sidecar_restarts_alone"
FAILING = "test_library.py::test_expects_the_wrong_exit_code"
ERRORED = "test_library.py::test_kills_a_container_the_pod_does_not_have"


@pytest.mark.e2e
def test_chaos_fixture_tests_are_reported_and_counted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytester points HOME at a temporary directory; keep the cluster's build cache where it is.
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(BUILD_CACHE))
    pytester.makepyfile(test_library=LIBRARY_TESTS)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-n",
        "3",
        "--podchaos-report-dir=out",
        "--podchaos-metrics-file=podchaos.prom",
        "--junitxml=junit.xml",
        timeout=300,
    )
    result.assert_outcomes(passed=1, failed=2)
    # run.explain(verdict): expected vs seen, then the cluster's evidence and the timeline.
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: expected *log-watcher*143*; seen *137*",
            "*main log-watcher: running * restarts=1 last=Error/137*",
            "*previous log of web/log-watcher:*",
            "*timeline:*",
            "*FAULT container-kill web log-watcher*",
        ]
    )

    (run_dir,) = [path for path in (pytester.path / "out").iterdir() if path.is_dir()]
    assert (run_dir / "report.html").is_file()
    document = json.loads((run_dir / "results.json").read_text())
    runs = {run["scenario"]: run for run in document["scenarios"]}
    restart = check_results(document, runs)
    check_metrics(samples_of((pytester.path / "podchaos.prom").read_text()), restart)
    check_junit(ET.parse(pytester.path / "junit.xml"), runs, restart)


def check_results(document: dict[str, Any], runs: dict[str, dict[str, Any]]) -> float:
    """Every library test's run in results.json; returns the passing one's container restart time."""
    assert set(runs) == {PASSING, FAILING, ERRORED}
    assert document["summary"] == {"scenarios": 3, "passed": 1, "failed": 1, "error": 1}

    passing = runs[PASSING]
    assert passing["nodeid"] == PASSING
    assert passing["description"] == "The log watcher restarts alone."
    assert passing["outcome"] == "passed"
    assert passing["error"] == ""
    assert [(f["type"], f["container"]) for f in passing["faults"]] == [("container-kill", "log-watcher")]
    assert [r["expectation"]["type"] for r in passing["verdict"]["results"]] == [
        "restart-count",
        "restart-count",
        "pod-ready",
    ]
    assert all(r["outcome"] == "passed" for r in passing["verdict"]["results"])
    kinds = {entry["kind"] for entry in passing["timeline"]}
    assert {"FaultRecord", "PodSnapshot", "ContainerSnapshot"} <= kinds
    restart = passing["measurements"]["container_restart"]
    assert 0 < restart < 30

    failing = runs[FAILING]
    assert failing["outcome"] == "failed"
    assert failing["error"] == ""
    (judged,) = failing["verdict"]["results"]
    assert judged["outcome"] == "failed"
    assert "137" in judged["seen"]
    assert failing["diagnostics"], "a failed library test keeps the evidence"

    errored = runs[ERRORED]
    assert errored["outcome"] == "error"
    assert errored["error"].startswith("FaultError")
    assert "no-such-container" in errored["error"]
    assert errored["verdict"]["results"] == []
    return float(restart)


def check_metrics(samples: dict[SampleKey, float], restart: float) -> None:
    total = "podchaos_scenario_runs_total"
    kill = "container-kill"
    assert samples[key(total, scenario=PASSING, fault=kill, outcome="passed")] == 1
    assert samples[key(total, scenario=FAILING, fault=kill, outcome="failed")] == 1
    assert samples[key(total, scenario=ERRORED, fault=kill, outcome="error")] == 1
    restarts = "podchaos_recovery_container_restart_seconds"
    assert samples[key(f"{restarts}_count", scenario=PASSING, fault=kill)] == 1
    assert samples[key(f"{restarts}_sum", scenario=PASSING, fault=kill)] == pytest.approx(restart)
    failures = "podchaos_expectation_failures_total"
    assert samples[key(failures, scenario=FAILING, expectation="last-terminated")] == 1


def check_junit(tree: ET.ElementTree[ET.Element], runs: dict[str, dict[str, Any]], restart: float) -> None:
    """Each library test's case carries the run's outcome, namespace and duration, as a scenario's does."""
    cases = {case.get("name"): case for case in tree.iter("testcase")}

    def properties(nodeid: str) -> dict[str | None, str | None]:
        return {
            p.get("name"): p.get("value") for p in cases[nodeid.rsplit("::", maxsplit=1)[-1]].iter("property")
        }

    for nodeid, outcome in ((PASSING, "passed"), (FAILING, "failed"), (ERRORED, "error")):
        seen = properties(nodeid)
        assert seen["podchaos_outcome"] == outcome
        assert seen["podchaos_namespace"] == runs[nodeid]["namespace"]
        assert float(seen["podchaos_duration_s"] or "nan") == pytest.approx(runs[nodeid]["duration_s"])
    passing = properties(PASSING)
    assert float(passing["podchaos_recovery_container_restart_s"] or "nan") == pytest.approx(restart)
