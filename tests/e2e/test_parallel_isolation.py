"""Parallel runs do not disturb each other (issue 22, section 5).

A Deployment whose two replicas must sit on different nodes (required anti-affinity) cannot become
steady while another run has one of the two nodes cordoned: before the holds, beside a drain under
``-n 4`` it failed with "1 node(s) were unschedulable". Three sessions in a row, each running it beside
three node-fault scenarios under ``-n 4``, must all pass: runs without node faults hold the nodes
shared, and a node fault waits, in its ``queued`` phase, for them (and they for it).

Measured on the local cluster (v1.37.2), with another -n 4 catalogue run (of an older podchaos) on it
at the same time: 1 passed in 810 s; sessions of 400, 265 and 139 s, all four runs passed in each; the
anti-affinity run queued 363, 107 and 28 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SPREAD = "anti-affinity-both-nodes"
NODE_FAULTS = ("node-drain-with-pdb", "node-cordon-reschedule", "statefulset-drain-ordered")


def run_session(report_dir: Path, project: Path) -> tuple[list[dict[str, object]], float, str]:
    """One ``-n 4`` session of the spread scenario beside the node faults: its runs, wall time, output."""
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-n", "4", "-q"]
    command += [f"--podchaos-report-dir={report_dir}", f"--podchaos-scenario-dir={SCENARIOS}"]
    command += [f"--scenario={name}" for name in (SPREAD, *NODE_FAULTS)]
    began = time.monotonic()
    finished = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900, cwd=project)
    wall = time.monotonic() - began
    [results] = report_dir.glob("2*/results.json")
    runs: list[dict[str, object]] = json.loads(results.read_text())["scenarios"]
    return runs, wall, finished.stdout[-3000:]


def test_a_two_node_anti_affinity_scenario_passes_three_times_beside_drains(tmp_path: Path) -> None:
    project = tmp_path / "project"  # an empty project: only the scenarios named are collected
    project.mkdir()
    for attempt in range(1, 4):
        runs, wall, output = run_session(tmp_path / f"session-{attempt}", project)
        print(f"session {attempt}: {len(runs)} runs in {wall:.0f} s")
        for run in runs:
            phases = run.get("phases") or {}
            print(f"  {run['scenario']}: {run['outcome']} phases {phases} {str(run['error'])[:300]}")
        assert sorted(str(run["scenario"]) for run in runs) == sorted((SPREAD, *NODE_FAULTS)), output
        spread = next(run for run in runs if run["scenario"] == SPREAD)
        assert spread["outcome"] == "passed", (spread["error"], output)
        # The node faults are judged as on their own (a drain that found nothing to do would not count).
        for run in runs:
            assert run["outcome"] == "passed", (run["scenario"], run["error"], output)


pytestmark = pytest.mark.e2e
