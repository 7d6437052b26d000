"""Catalogue runs on several Kubernetes versions compared: verdicts, skips and recovery times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podchaos.cli import main
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
from podchaos.model.versions import Requirements, parse_version_spec
from podchaos.report.compare import compare, notable, render_html, render_markdown
from podchaos.report.json_report import dumps, report_to_dict


def run(
    scenario: str, version: str, ready_after: float | None, passed: bool = True, error: str = ""
) -> ScenarioRun:
    """A run whose pod went not Ready 0.5 s after the fault and Ready again ``ready_after`` s after it."""
    entries: list[object] = [
        PodSnapshot(9.0, "web", "uid-1", "node-1", "Running", True, False),
        FaultRecord(10.0, "container-kill", "web", "uid-1", "c", "SIGKILL"),
        PodSnapshot(10.5, "web", "uid-1", "node-1", "Running", False, False),
    ]
    if ready_after is not None:
        entries.append(PodSnapshot(10.0 + ready_after, "web", "uid-1", "node-1", "Running", True, False))
    outcome = Outcome.PASSED if passed else Outcome.FAILED
    verdict = Verdict((ExpectationResult(PodReady(30.0), outcome, "Ready within 30s", "not Ready"),))
    result = RunResult(
        scenario=scenario,
        namespace=f"pc-{scenario}-1",
        verdict=verdict,
        timeline=Timeline(tuple(entries)),  # type: ignore[arg-type]
        started_at="2026-01-01T10:00:00+00:00",
        duration_s=20.0,
        error=error,
    )
    return ScenarioRun(result=result, cluster=ClusterInfo("local", "", version))


def report(version: str, *runs: ScenarioRun) -> RunReport:
    return RunReport(f"run-{version}", "2026-01-01T10:00:00+00:00", "0.1.0", runs)


def test_versions_are_ordered_and_each_scenario_has_a_cell_per_version() -> None:
    comparison = compare(
        [
            (report("v1.37.2", run("kill", "v1.37.2", 2.0)), "c.json"),
            (report("v1.35.4", run("kill", "v1.35.4", 2.1)), "a.json"),
            (report("v1.36.3", run("kill", "v1.36.3", 2.2)), "b.json"),
        ]
    )

    assert [column.version for column in comparison.columns] == ["v1.35.4", "v1.36.3", "v1.37.2"]
    assert [column.source for column in comparison.columns] == ["a.json", "b.json", "c.json"]
    (row,) = comparison.rows
    assert [cell.outcome for cell in row.cells] == ["passed", "passed", "passed"]
    assert [cell.recovery_of("ready") for cell in row.cells] == [2.1, 2.2, 2.0]
    # 0.2 s between versions is noise, not a difference.
    assert not row.verdict_differs
    assert row.steps == ()
    assert comparison.verdict_differences == ()
    assert comparison.timing_differences == ()


def test_a_verdict_that_differs_is_reported_with_what_failed() -> None:
    comparison = compare(
        [
            (report("v1.35.4", run("kill", "v1.35.4", 2.0)), "a.json"),
            (report("v1.37.2", run("kill", "v1.37.2", None, passed=False)), "b.json"),
        ]
    )

    (row,) = comparison.verdict_differences
    assert [cell.outcome for cell in row.cells] == ["passed", "failed"]
    assert row.cells[1].problem == "pod-ready: expected Ready within 30s; seen not Ready"
    # Ready again seen on one version only: a difference whatever the numbers.
    (step,) = [step for step in row.steps if step.step == "ready"]
    assert step.seconds == (2.0, None)
    assert step.spread is None
    text = render_markdown(comparison)
    assert "- **kill**\n  - v1.35.4: passed\n  - v1.37.2: failed: pod-ready: expected Ready" in text
    assert "| kill | Ready again | 2.00 s | - | seen on some only |" in text


def test_a_recovery_time_that_differs_beyond_the_noise_is_listed() -> None:
    comparison = compare(
        [
            (report("v1.35.4", run("backoff", "v1.35.4", 10.0)), "a.json"),
            (report("v1.36.3", run("backoff", "v1.36.3", 12.5)), "b.json"),
        ]
    )

    (row,) = comparison.timing_differences
    (step,) = row.steps
    assert (step.step, step.seconds, step.spread) == ("ready", (10.0, 12.5), 2.5)
    assert "| backoff | Ready again | 10.00 s | 12.50 s | 2.50 s |" in render_markdown(comparison)


@pytest.mark.parametrize(
    ("seconds", "differs"),
    [
        ((2.0, 2.9), False),  # under 1 s
        ((10.0, 12.0), False),  # 2 s but 20 % of 10 s
        ((10.0, 12.5), True),
        ((0.5, 1.6), True),
        ((None, 3.0), True),  # seen on one version only
        ((None, None), False),
    ],
)
def test_what_counts_as_a_different_recovery_time(seconds: tuple[float | None, ...], differs: bool) -> None:
    assert notable(seconds) is differs


def test_a_scenario_missing_on_a_version_is_skipped_for_its_requires_or_not_run() -> None:
    comparison = compare(
        [
            (report("v1.35.4", run("kill", "v1.35.4", 2.0)), "a.json"),
            (report("v1.36.3", run("kill", "v1.36.3", 2.0), run("rules", "v1.36.3", 1.0)), "b.json"),
        ],
        {"rules": Requirements(parse_version_spec(">=1.36")), "kill": Requirements()},
    )

    rules = next(row for row in comparison.rows if row.scenario == "rules")
    assert [cell.outcome for cell in rules.cells] == ["skipped", "passed"]
    assert rules.cells[0].problem == "requires Kubernetes >=1.36; the cluster runs v1.35.4"
    # A skip is not a different verdict, and timings are compared only where it ran.
    assert not rules.verdict_differs
    assert rules.steps == ()
    text = render_markdown(comparison)
    assert "- **rules** on v1.35.4 (requires Kubernetes >=1.36; the cluster runs v1.35.4)" in text

    without_requires = compare(
        [
            (report("v1.35.4", run("kill", "v1.35.4", 2.0)), "a.json"),
            (report("v1.36.3", run("rules", "v1.36.3", 1.0)), "b.json"),
        ]
    )
    rules = next(row for row in without_requires.rows if row.scenario == "rules")
    assert [cell.outcome for cell in rules.cells] == ["not run", "passed"]


def test_an_errored_run_names_its_error() -> None:
    comparison = compare(
        [
            (report("v1.35.4", run("kill", "v1.35.4", 2.0)), "a.json"),
            (report("v1.36.3", run("kill", "v1.36.3", None, error="ClusterError: no nodes\nmore")), "b.json"),
        ]
    )

    (row,) = comparison.verdict_differences
    assert (row.cells[1].outcome, row.cells[1].problem) == ("error", "ClusterError: no nodes")


def test_the_html_page_is_self_contained_and_escapes_what_runs_said() -> None:
    comparison = compare(
        [
            (report("v1.35.4", run("kill", "v1.35.4", 2.0)), "a.json"),
            (report("v1.36.3", run("kill", "v1.36.3", None, error="boom <script>")), "b.json"),
        ]
    )

    page = render_html(comparison)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page
    assert "boom &lt;script&gt;" in page
    assert '<td class="error"' in page
    assert '<tr class="differs"><td>kill</td>' in page


def test_the_compare_command_reads_results_files_and_writes_both_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for version, ready in (("v1.36.3", 12.5), ("v1.35.4", 10.0)):
        directory = tmp_path / version / "run"
        directory.mkdir(parents=True)
        (directory / "results.json").write_text(
            dumps(report_to_dict(report(version, run("kill", version, ready))))
        )
        paths.append(directory)

    assert (
        main(["compare", *map(str, paths), "-o", str(tmp_path / "c.md"), "-o", str(tmp_path / "c.html")]) == 0
    )

    markdown = (tmp_path / "c.md").read_text()
    assert "| v1.35.4 | run-v1.35.4 | 1 passed |" in markdown
    assert "| kill | Ready again | 10.00 s | 12.50 s | 2.50 s |" in markdown
    assert (tmp_path / "c.html").read_text().startswith("<!DOCTYPE html>")
    assert main(["compare", str(paths[0] / "results.json")]) == 0
    assert "# Kubernetes version comparison" in capsys.readouterr().out


def test_the_compare_command_refuses_what_is_not_a_results_file(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps({"schema": 1}))

    assert main(["compare", str(tmp_path)]) != 0


def test_runs_of_one_release_on_two_clusters_are_told_apart_by_provider() -> None:
    on_kind = run("kill", "v1.37.2", 2.0)
    on_kind = ScenarioRun(result=on_kind.result, cluster=ClusterInfo("kind", "", "v1.37.2"))
    comparison = compare(
        [
            (report("v1.37.2", run("kill", "v1.37.2", 9.0)), "local.json"),
            (RunReport("run-kind", "2026-01-01T10:00:00+00:00", "0.1.0", (on_kind,)), "kind.json"),
            (report("v1.36.3", run("kill", "v1.36.3", 2.2)), "old.json"),
        ]
    )

    assert [column.version for column in comparison.columns] == [
        "v1.36.3",
        "v1.37.2 (kind)",
        "v1.37.2 (local)",
    ]
    (row,) = comparison.rows
    assert [cell.recovery_of("ready") for cell in row.cells] == [2.2, 2.0, 9.0]
    assert [step.step for step in row.steps] == ["ready"]

    # requires: is still judged against the version the cluster reported, not the column's label.
    with_requires = compare(
        [
            (report("v1.37.2", run("kill", "v1.37.2", 9.0), run("rules", "v1.37.2", 1.0)), "local.json"),
            (RunReport("run-kind", "2026-01-01T10:00:00+00:00", "0.1.0", (on_kind,)), "kind.json"),
        ],
        {"rules": Requirements(parse_version_spec(">=1.38")), "kill": Requirements()},
    )
    rules = next(row for row in with_requires.rows if row.scenario == "rules")
    assert [cell.outcome for cell in rules.cells] == ["skipped", "passed"]
    assert rules.cells[0].problem == "requires Kubernetes >=1.38; the cluster runs v1.37.2"
