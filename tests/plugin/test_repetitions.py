"""Repetitions in real pytest sessions (pytester): --podchaos-repeat and ``repeat:`` make N items, the
report groups them (pass rate, nearest-rank p50/p95/max per recovery time), and ``repetitions:``
expectations are judged over all of a scenario's runs, failing the session when they do not hold.

The sessions replace the runner with recorded results: repetition k of a scenario is Ready again
``READY[k]`` seconds after its container kill, and repetition 4 of ``flaky-one`` fails its expectation.
No cluster is used.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import NO_CLUSTER

if TYPE_CHECKING:
    from conftest import ScenarioFiles

RECORDED_RUNNER = """
import pytest

import podchaos.runner
from podchaos.model import (
    ContainerSnapshot, ExpectationResult, FaultRecord, Outcome, PodSnapshot, RestartCount, RunResult,
    Timeline, Verdict,
)

READY = {1: 1.2, 2: 1.5, 3: 1.4, 4: 9.0, 5: 1.3}
CURRENT = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    CURRENT["repetition"] = getattr(item, "repetition", 0)


def recorded(connect, scenario, options):
    repetition = CURRENT["repetition"]
    ready_after = READY.get(repetition, 2.0)
    failed = scenario.name == "flaky-one" and repetition == 4
    fault = FaultRecord(10.0, "container-kill", "web", "uid", "c", "SIGKILL")
    timeline = Timeline().plus(
        PodSnapshot(1.0, "web", "uid", "node-1", "Running", True, False),
        fault,
        PodSnapshot(10.5, "web", "uid", "node-1", "Running", False, False),
        ContainerSnapshot(10.9, "web", "uid", "c", "main", "running", "", 1, True, "containerd://b"),
        PodSnapshot(10.0 + ready_after, "web", "uid", "node-1", "Running", True, False),
    )
    outcome = Outcome.FAILED if failed else Outcome.PASSED
    seen = "restartCount 0 -> 0" if failed else "restartCount 0 -> 1"
    verdict = Verdict((ExpectationResult(RestartCount("c", 1), outcome, "c +1", seen),))
    return RunResult(
        scenario=scenario.name, namespace=f"pc-{scenario.name}-{options.run_id}", verdict=verdict,
        timeline=timeline, started_at=f"2026-01-01T00:00:0{repetition}+00:00", duration_s=12.0,
        faults=scenario.faults, expectations=scenario.expectations, target={"app": "web"},
    )


def pytest_configure(config):
    podchaos.runner.run_scenario = recorded
"""

# Should the recorded runner not be used, the run must still never reach a cluster.


def results(pytester: pytest.Pytester) -> dict[str, object]:
    (run_dir,) = [path for path in (pytester.path / "out").iterdir() if path.is_dir()]
    document: dict[str, object] = json.loads((run_dir / "results.json").read_text())
    return document


def html(pytester: pytest.Pytester) -> str:
    (run_dir,) = [path for path in (pytester.path / "out").iterdir() if path.is_dir()]
    return (run_dir / "report.html").read_text()


def test_repeat_makes_n_items_grouped_in_the_report_and_lf_reruns_the_failed_one(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    pytester.makeconftest(RECORDED_RUNNER)
    directory = scenario_files.write("flaky-one", "steady-one")
    result = pytester.runpytest_subprocess(
        str(directory), "--podchaos-repeat=5", "--podchaos-report-dir=out", *NO_CLUSTER, "-v"
    )
    result.assert_outcomes(passed=9, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*flaky-one.scenario.yaml::flaky-one[[]1[]] PASSED*",
            "*flaky-one.scenario.yaml::flaky-one[[]4[]] FAILED*",
            "*podchaos repetitions (nearest-rank percentiles, seconds after the first fault):",
            "*  flaky-one: 4 of 5 passed (80%): failed 1",
            "*    not Ready: n=5 p50 0.50 s p95 0.50 s max 0.50 s",
            "*    Ready again: n=5 p50 1.40 s p95 9.00 s max 9.00 s",
            "*  steady-one: 5 of 5 passed (100%)",
        ]
    )
    document = results(pytester)
    runs = document["scenarios"]
    assert isinstance(runs, list)
    flaky = sorted(
        (run["repetition"]["index"], run["outcome"]) for run in runs if run["scenario"] == "flaky-one"
    )
    assert flaky == [(1, "passed"), (2, "passed"), (3, "passed"), (4, "failed"), (5, "passed")]
    assert sorted(run["measurements"]["ready"] for run in runs if run["scenario"] == "flaky-one") == [
        1.2,
        1.3,
        1.4,
        1.5,
        9.0,
    ]
    page = html(pytester)
    assert "<h2>Repetitions</h2>" in page
    assert "4 of 5 passed (80%): failed 1" in page
    assert "Ready again: n=5 p50 1.40 s p95 9.00 s max 9.00 s" in page
    # The Markdown summary for a CI job shows the groups too.
    (run_dir,) = [path for path in (pytester.path / "out").iterdir() if path.is_dir()]
    command = [sys.executable, "-m", "podchaos.cli", "report", str(run_dir), "--format", "markdown"]
    summary = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout
    assert "### Repetitions (nearest-rank percentiles, seconds after the first fault)" in summary
    assert "flaky-one: 4 of 5 passed (80%): failed 1\n  not Ready:" in summary

    # --lf: only the repetition that failed runs again.
    rerun = pytester.runpytest_subprocess(
        str(directory), "--podchaos-repeat=5", "--podchaos-report-dir=out2", *NO_CLUSTER, "--lf", "-v"
    )
    rerun.assert_outcomes(failed=1)
    rerun.stdout.fnmatch_lines(["*flaky-one[[]4[]] FAILED*"])


def test_repetitions_are_spread_over_xdist_workers_and_gathered_once(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles
) -> None:
    pytester.makeconftest(RECORDED_RUNNER)
    directory = scenario_files.write("steady-one")
    result = pytester.runpytest_subprocess(
        str(directory),
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--podchaos-repeat=4",
        "--podchaos-report-dir=out",
        *NO_CLUSTER,
    )
    result.assert_outcomes(passed=4)
    runs = results(pytester)["scenarios"]
    assert isinstance(runs, list)
    assert sorted(run["repetition"]["index"] for run in runs) == [1, 2, 3, 4]
    assert len({run["worker"] for run in runs}) == 2
    result.stdout.fnmatch_lines(
        ["*  steady-one: 4 of 4 passed (100%)", "*    Ready again: n=4 p50 1.40 s p95 9.00 s*"]
    )


SLO = """
name: {name}
description: kill the container; Ready again within 2 s in {share} of the runs
repeat: 5
repetitions:
  - {{type: pass-rate, atLeast: 1.0}}
  - {{type: recovery-within, step: ready, within: 2s, share: {share}}}
workload:
  target: {{app: web}}
  manifests:
    - apiVersion: v1
      kind: Pod
      metadata: {{name: web, labels: {{app: web}}}}
      spec:
        containers: [{{name: c, image: "docker.io/library/busybox:1.35", imagePullPolicy: IfNotPresent}}]
faults:
  - {{type: container-kill, container: c}}
expect:
  - {{type: restart-count, container: c, delta: 1}}
"""


def write_slo(pytester: pytest.Pytester, name: str, share: float) -> Path:
    directory = pytester.mkdir(f"slo-{name}")
    (directory / f"{name}.scenario.yaml").write_text(SLO.format(name=name, share=share))
    return directory


def test_an_expectation_over_repetitions_holds_and_its_stricter_variant_fails_the_session(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(RECORDED_RUNNER)
    # Ready again after 1.2, 1.5, 1.4, 9.0, 1.3 s: 4 of 5 runs (80 %) within 2 s.
    holds = write_slo(pytester, "ready-slo", 0.8)
    result = pytester.runpytest_subprocess(
        str(holds), "-p", "no:cacheprovider", "-n", "2", "--podchaos-report-dir=out", *NO_CLUSTER
    )
    result.assert_outcomes(passed=5)  # repeat: 5 in the file, spread over two workers
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*  PASSED pass-rate: expected pass rate at least 100%; seen 5 of 5 runs passed (100%)",
            "*  PASSED recovery-within: expected Ready again within 2 s in at least 80% of runs; seen 4 "
            "of 5 runs (80%) within 2 s; n=5 p50 1.40 s p95 9.00 s max 9.00 s; values 1.20, 1.30, 1.40, "
            "1.50, 9.00",
        ]
    )

    wrong = write_slo(pytester, "ready-slo-strict", 0.95)
    failed = pytester.runpytest_subprocess(
        str(wrong), "-p", "no:cacheprovider", "--podchaos-report-dir=out-strict", *NO_CLUSTER
    )
    # Every run passed its own expectations; the distribution does not meet the SLO.
    failed.assert_outcomes(passed=5)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    failed.stdout.fnmatch_lines(
        [
            "*  FAILED recovery-within: expected Ready again within 2 s in at least 95% of runs; seen 4 "
            "of 5 runs (80%) within 2 s; n=5 p50 1.40 s p95 9.00 s max 9.00 s; values 1.20, 1.30, 1.40, "
            "1.50, 9.00",
            "*podchaos: WARNING expectations over repetitions failed: ready-slo-strict",
        ]
    )
    page = (next((pytester.path / "out-strict").iterdir()) / "report.html").read_text()
    assert "expected Ready again within 2 s in at least 95% of runs" in page
    assert '<span class="badge failed">failed</span> recovery-within' in page


def test_repeat_option_comes_from_ini_and_environment_and_is_checked(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(RECORDED_RUNNER)
    directory = scenario_files.write("steady-one")
    pytester.makeini("[pytest]\npodchaos_repeat = 3\n")
    result = pytester.runpytest_subprocess(str(directory), "-p", "no:cacheprovider", *NO_CLUSTER)
    result.assert_outcomes(passed=3)
    pytester.makeini("[pytest]\n")
    monkeypatch.setenv("PODCHAOS_REPEAT", "2")
    result = pytester.runpytest_subprocess(str(directory), "-p", "no:cacheprovider", *NO_CLUSTER)
    result.assert_outcomes(passed=2)
    bad = pytester.runpytest_subprocess(str(directory), "--podchaos-repeat=0", *NO_CLUSTER)
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--podchaos-repeat: expected a whole number from 1 to 100, got '0'"])
