"""What a real catalogue run writes and exports: four short scenarios on the cluster with ``-n 4``, a real
Pushgateway, the metrics textfile, JUnit XML and the report directory, each checked against the others.

The scenarios are the catalogue's quick ones (about 16 s each) that between them show a container
restart, a Service endpoint removed and a replacement pod Ready.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from host_tools import SampleKey, key, samples_of, scrape

from podchaos.catalogue import builtin_scenario_dir
from podchaos.cluster.local.layout import Layout
from podchaos.loader import load_scenario
from podchaos.model import Scenario

# Read at import, before pytester points HOME at a temporary directory (Layout.default() follows HOME).
BUILD_CACHE = Layout.default().cache

CONTAINER_KILLS = ("main-kill-restart-always", "shellless-container-kill")
ENDPOINT_REMOVED = "pod-delete-graceful"
REPLACED = "pod-delete-force"
SCENARIOS = (*CONTAINER_KILLS, ENDPOINT_REMOVED, REPLACED)
RUNS = "podchaos_scenario_runs_total"
GROUP_LABELS = ("job", "instance", "run_id")


def catalogue() -> dict[str, Scenario]:
    return {name: load_scenario(builtin_scenario_dir() / f"{name}.scenario.yaml") for name in SCENARIOS}


def recovery(samples: dict[SampleKey, float], step: str, scenario: Scenario) -> tuple[float, float]:
    """(count, sum) of a recovery histogram for one scenario; its +Inf bucket must equal the count."""
    name = f"podchaos_recovery_{step}_seconds"
    labels = {"scenario": scenario.name, "fault": scenario.faults[0].type}
    count = samples[key(f"{name}_count", **labels)]
    assert samples[key(f"{name}_bucket", **labels, le=repr(float("inf")))] == count
    return count, samples[key(f"{name}_sum", **labels)]


@pytest.mark.e2e
def test_a_real_catalogue_run_reports_and_exports_what_it_measured(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, pushgateway: str
) -> None:
    # pytester points HOME at a temporary directory; keep the cluster's build cache where it is.
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(BUILD_CACHE))
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        *(f"--scenario={name}" for name in SCENARIOS),
        "-n",
        "4",
        f"--podchaos-pushgateway={pushgateway}",
        "--podchaos-metrics-file=metrics/podchaos.prom",
        "--junitxml=junit.xml",
        "--podchaos-report-dir=out",
        timeout=300,
    )
    result.assert_outcomes(passed=len(SCENARIOS))
    (run_dir,) = [path for path in (pytester.path / "out").iterdir() if path.is_dir()]
    result.stdout.fnmatch_lines([f"podchaos metrics: pushed to {pushgateway} (run_id={run_dir.name})"])
    scenarios = catalogue()

    document = json.loads((run_dir / "results.json").read_text())
    runs = check_results(document, scenarios)
    written = samples_of((pytester.path / "metrics" / "podchaos.prom").read_text())
    check_metrics(written, scenarios, runs)
    check_pushed(scrape(pushgateway), written, run_dir.name)
    check_junit(ET.parse(pytester.path / "junit.xml"), runs)
    html = (run_dir / "report.html").read_text()
    for name in SCENARIOS:
        assert f'data-scenario="{name}"' in html


def check_results(document: dict[str, Any], scenarios: dict[str, Scenario]) -> dict[str, dict[str, Any]]:
    """results.json holds every run with its verdict and a timeline of the real fault; the runs by name."""
    runs = {run["scenario"]: run for run in document["scenarios"]}
    assert set(runs) == set(SCENARIOS)
    assert document["summary"] == {
        "scenarios": len(SCENARIOS),
        "passed": len(SCENARIOS),
        "failed": 0,
        "error": 0,
    }
    assert document["versions"]["cluster"].startswith("v1.")
    for name, run in runs.items():
        assert run["outcome"] == "passed", run["error"]
        # The catalogue lies outside this session's rootdir: named by its folder, not by nothing.
        assert run["nodeid"] == f"scenarios/{name}.scenario.yaml::{name}"
        assert run["worker"].startswith("gw")
        judged = run["verdict"]["results"]
        assert len(judged) == len(scenarios[name].expectations)
        assert all(r["outcome"] == "passed" and r["seen"] for r in judged)
        faults = [entry for entry in run["timeline"] if entry["kind"] == "FaultRecord"]
        assert [f["fault"] for f in faults] == [scenarios[name].faults[0].type]
        assert any(
            entry["kind"] == "PodSnapshot" and entry["at"] > faults[0]["at"] for entry in run["timeline"]
        )
        assert 0 < run["duration_s"] < 120
    return runs


def check_metrics(
    samples: dict[SampleKey, float], scenarios: dict[str, Scenario], runs: dict[str, dict[str, Any]]
) -> None:
    """The textfile counts each run once and observes the recovery times the runs measured."""
    counted = {k: v for k, v in samples.items() if k[0] == RUNS}
    assert sum(counted.values()) == len(SCENARIOS)
    for name, scenario in scenarios.items():
        assert samples[key(RUNS, scenario=name, fault=scenario.faults[0].type, outcome="passed")] == 1
        injections = key("podchaos_fault_injections_total", scenario=name, fault=scenario.faults[0].type)
        assert samples[injections] == 1

    for name in CONTAINER_KILLS:
        scenario = scenarios[name]
        count, seconds = recovery(samples, "container_restart", scenario)
        assert count == 1
        assert 0 < seconds < scenario.observe_timeout
        assert seconds == pytest.approx(runs[name]["measurements"]["container_restart"])

    graceful = scenarios[ENDPOINT_REMOVED]
    count, seconds = recovery(samples, "endpoint_removed", graceful)
    assert count == 1
    assert 0 < seconds < graceful.observe_timeout
    assert seconds == pytest.approx(runs[ENDPOINT_REMOVED]["measurements"]["endpoint_removed"])

    forced = scenarios[REPLACED]
    count, seconds = recovery(samples, "ready", forced)
    assert count == 1
    assert 0 < seconds < forced.observe_timeout
    # A pod delete restarts no container: nothing observed rather than a made-up zero.
    restart = key("podchaos_recovery_container_restart_seconds_count", scenario=REPLACED, fault="pod-delete")
    assert restart not in samples


def check_pushed(pushed: dict[SampleKey, float], written: dict[SampleKey, float], run_id: str) -> None:
    """The Pushgateway holds the same samples as the textfile, in the run's group."""
    group = {"job": "podchaos", "instance": "", "run_id": run_id}
    mine: dict[SampleKey, float] = {}
    for (name, labels), value in pushed.items():
        as_dict = dict(labels)
        if all(as_dict.get(label) == group[label] for label in GROUP_LABELS):
            rest = {k: v for k, v in as_dict.items() if k not in GROUP_LABELS}
            mine[key(name, **rest)] = value
    assert sum(v for (name, _), v in mine.items() if name == RUNS) == len(SCENARIOS)
    assert mine == pytest.approx(written)


def check_junit(tree: ET.ElementTree[ET.Element], runs: dict[str, dict[str, Any]]) -> None:
    """Each test case carries the run's outcome, namespace and the recovery times it measured."""
    cases = {case.get("name"): case for case in tree.iter("testcase")}
    assert set(cases) == set(SCENARIOS)
    for name, run in runs.items():
        properties = {p.get("name"): p.get("value") for p in cases[name].iter("property")}
        assert properties["podchaos_outcome"] == "passed"
        assert properties["podchaos_namespace"] == run["namespace"]
        assert float(properties["podchaos_duration_s"] or "nan") == pytest.approx(run["duration_s"])
        for step, seconds in run["measurements"].items():
            if seconds is not None:
                assert float(properties[f"podchaos_recovery_{step}_s"] or "nan") == pytest.approx(seconds)
    restart = {p.get("name") for p in cases[CONTAINER_KILLS[0]].iter("property")}
    assert "podchaos_recovery_container_restart_s" in restart
    removed = {p.get("name") for p in cases[ENDPOINT_REMOVED].iter("property")}
    assert "podchaos_recovery_endpoint_removed_s" in removed
