"""``podchaos trend`` over seeded nightly results (deterministic): an injected regression and a flaky
scenario are flagged, a stable scenario in the same data is not, and the exit status gates CI.

Eight nights of three scenarios, five repetitions each, written as results.json the way a pytest run
writes them. Tonight ``slow-drain`` is Ready again about 3 s later than on the baseline nights;
``flaky-delete`` failed once on night 3 with the same podchaos and Kubernetes versions as its passes.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from podchaos.model import (
    ClusterInfo,
    ExpectationResult,
    FaultRecord,
    Outcome,
    PodReady,
    PodSnapshot,
    RunReport,
    RunResult,
    ScenarioRun,
    Timeline,
    Verdict,
)
from podchaos.report.files import write_report

NIGHTS = 8
REPEAT = 5


def run(scenario: str, night: int, repetition: int, ready_after: float, passed: bool) -> ScenarioRun:
    fault = FaultRecord(10.0, "pod-delete", "web", "uid", "", "")
    timeline = Timeline().plus(
        PodSnapshot(1.0, "web", "uid", "node-1", "Running", True, False),
        fault,
        PodSnapshot(10.3, "web", "uid", "node-1", "Running", False, True),
        PodSnapshot(10.0 + ready_after, "web-2", "uid-2", "node-1", "Running", True, False),
    )
    outcome = Outcome.PASSED if passed else Outcome.FAILED
    verdict = Verdict((ExpectationResult(PodReady(30.0), outcome, "Ready within 30 s", "seen"),))
    result = RunResult(
        scenario=scenario,
        namespace=f"pc-{scenario}-{night}-{repetition}",
        verdict=verdict,
        timeline=timeline,
        started_at=f"2026-11-{night + 1:02d}T02:00:{repetition:02d}+00:00",
        duration_s=20.0,
    )
    return ScenarioRun(
        result=result,
        cluster=ClusterInfo("local", "podchaos-local", "v1.37.2"),
        podchaos_version="0.1.0",
        repetition=repetition,
    )


def write_nights(directory: Path, nights: int = NIGHTS, seed: int = 21) -> list[Path]:
    rng = random.Random(seed)
    paths = []
    for night in range(nights):
        tonight = night == NIGHTS - 1
        runs = []
        for repetition in range(1, REPEAT + 1):
            runs.append(run("stable-kill", night, repetition, rng.gauss(2.0, 0.2), True))
            slow = rng.gauss(8.0, 0.5) if tonight else rng.gauss(5.0, 0.5)
            runs.append(run("slow-drain", night, repetition, slow, True))
            flake = night == 2 and repetition == 2
            runs.append(run("flaky-delete", night, repetition, rng.gauss(3.0, 0.3), not flake))
        run_id = f"202611{night + 1:02d}T020000Z-n{night}"
        report = RunReport(run_id, f"2026-11-{night + 1:02d}T02:30:00+00:00", "0.1.0", tuple(runs))
        paths.append(write_report(directory / run_id, report))
    return paths


def trend(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "podchaos.cli", "trend", *args], capture_output=True, text=True, check=False
    )


def test_trend_flags_the_injected_regression_and_the_flake_and_not_the_stable_scenario(
    tmp_path: Path,
) -> None:
    write_nights(tmp_path / "nightly")
    html, markdown = tmp_path / "trend.html", tmp_path / "trend.md"
    done = trend(str(tmp_path / "nightly"), "-o", str(html), "-o", str(markdown))
    assert done.returncode == 1, done.stderr  # a regression: CI fails
    assert "podchaos trend: 8 night(s); 1 regression(s), 1 flaky scenario version(s)" in done.stderr
    text = markdown.read_text()
    regressions = text.split("## Regressions")[1].split("## Flaky scenarios")[0]
    flaky = text.split("## Flaky scenarios")[1].split("## Nights")[0]
    assert "| slow-drain | Ready again |" in regressions
    assert "stable-kill" not in regressions
    assert "flaky-delete" not in regressions  # one failure in 40 runs: no pass-rate drop tonight
    # Every one of tonight's runs was slower than all 35 of the baseline: U = 5 * 35.
    assert "Mann-Whitney U = 175, one-sided, exact" in regressions
    assert "| flaky-delete | v1.37.2 | 0.1.0 | 39 | 1 | 0 | 20261103T020000Z-n2 |" in flaky
    assert "stable-kill" not in flaky
    assert "slow-drain" not in flaky
    assert "tonight: 20261108T020000Z-n7; baseline: 7 night(s)" in text
    night = "| 8 (tonight) | 20261108T020000Z-n7 | 2026-11-08T02:30:00+00:00 | v1.37.2 | 0.1.0 |"
    assert f"{night} 15 of 15 passed |" in text
    assert "one-sided Mann-Whitney U test at alpha = 0.05" in text
    page = html.read_text()
    assert page.count('<svg class="spark"') >= 3 * 3  # pass rate, not Ready, Ready again per scenario
    assert '<tr class="bad"><td>slow-drain</td>' in page


def test_trend_without_the_slow_night_passes_and_baseline_picks_the_window(tmp_path: Path) -> None:
    paths = write_nights(tmp_path / "nightly", nights=NIGHTS - 1)
    done = trend(str(tmp_path / "nightly"))
    assert done.returncode == 0, done.stderr
    assert "## Regressions\n\nNone." in done.stdout
    # --fail-on-flaky: the flake gates too.
    assert trend(str(tmp_path / "nightly"), "--fail-on-flaky").returncode == 1
    # --baseline names the window: the first two nights only.
    done = trend(str(tmp_path / "nightly"), "--baseline", str(paths[0]), "--baseline", str(paths[1]))
    assert "baseline: 2 night(s) (20261101T020000Z-n0, 20261102T020000Z-n1)" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--alpha", "2"], "argument --alpha: expected a number between 0 and 1, got '2'"),
        (["--window", "0"], "argument --window: expected a whole number >= 1, got '0'"),
    ],
)
def test_trend_refuses_bad_settings(tmp_path: Path, args: list[str], message: str) -> None:
    write_nights(tmp_path / "nightly", nights=2)
    done = trend(str(tmp_path / "nightly"), *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_trend_names_a_path_without_results(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = trend(str(tmp_path / "empty"))
    assert done.returncode == 2
    assert f"podchaos: error: {tmp_path / 'empty'}: no results.json in it or below it" in done.stderr
