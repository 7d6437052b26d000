"""``podchaos report --format markdown``: the summary a CI job appends to ``$GITHUB_STEP_SUMMARY``, read
from a run's results.json: a heading and the totals, one table row per scenario (outcome, duration, the
first problem), and the namespaces left behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podchaos import __version__
from podchaos.cli import main
from podchaos.model import (
    ExpectationResult,
    Outcome,
    PodReady,
    RestartCount,
    RunReport,
    RunResult,
    ScenarioRun,
    Timeline,
    Verdict,
)
from podchaos.report.files import write_report

RUN_ID = "20250101T100000Z-abc123"


def run(name: str, duration_s: float, *results: ExpectationResult, error: str = "") -> ScenarioRun:
    result = RunResult(
        scenario=name,
        namespace=f"pc-{name}-00000000",
        verdict=Verdict(results),
        timeline=Timeline(),
        started_at="2025-01-01T10:00:00+00:00",
        duration_s=duration_s,
        error=error,
        expectations=tuple(r.expectation for r in results),
    )
    return ScenarioRun(result=result, nodeid=f"chaos/{name}.scenario.yaml::{name}")


PASSED = run(
    "web-pod-delete",
    12.34,
    ExpectationResult(PodReady(within=30), Outcome.PASSED, "Ready within 30 s", "Ready after 2.1 s"),
)
FAILED = run(
    "web-log-shipper-kill",
    20.0,
    ExpectationResult(RestartCount("server", 0), Outcome.PASSED, "restartCount of server rose by 0", "0"),
    ExpectationResult(
        RestartCount("log-shipper", 1), Outcome.FAILED, "restartCount of log-shipper rose by 1", "rose by 0"
    ),
    ExpectationResult(PodReady(within=30), Outcome.FAILED, "Ready within 30 s", "never Ready | gone"),
)
ERRORED = run(
    "web-node-cordon",
    60.5,
    error="SteadyStateTimeout: pods never became Ready\n  web-1: Pending (Unschedulable)",
)
REPORT = RunReport(
    run_id=RUN_ID,
    created_at="2025-01-01T10:02:00+00:00",
    podchaos_version=__version__,
    runs=(PASSED, FAILED, ERRORED),
    leftovers=("pc-web-node-cordon-00000000",),
)


def markdown(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["report", "--format", "markdown", str(path), *extra]) == 0
    return capsys.readouterr().out


def cells(row: str) -> list[str]:
    """A Markdown table row's cells; ``\\|`` is a pipe inside a cell."""
    assert row.startswith("| "), row
    assert row.endswith(" |"), row
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row[1:-1])]


def table(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    header, rule, *body = (cells(row) for row in rows)
    assert header == ["scenario", "outcome", "duration", "first problem"]
    assert rule == ["---"] * 4
    assert all(len(row) == len(header) for row in body)
    return body


def test_the_summary_has_the_totals_and_a_row_per_scenario_in_run_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_report(tmp_path / RUN_ID, REPORT)
    text = markdown(tmp_path / RUN_ID, capsys)
    lines = text.splitlines()
    assert lines[0] == f"## podchaos run {RUN_ID}"
    assert "3 scenario run(s): 1 error, 1 failed, 1 passed." in lines
    rows = table(text)
    assert [row[:3] for row in rows] == [
        ["web-pod-delete", "passed", "12.3 s"],
        ["web-log-shipper-kill", "**failed**", "20.0 s"],
        ["web-node-cordon", "**error**", "60.5 s"],
    ]


def test_a_row_names_the_first_problem_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_report(tmp_path / RUN_ID, REPORT)
    passed, failed, errored = table(markdown(tmp_path / RUN_ID, capsys))
    assert passed[3] == ""
    # The first failed expectation, expected vs seen; the later one is in the HTML report.
    assert failed[3] == "restart-count: expected restartCount of log-shipper rose by 1; seen rose by 0"
    # Only the first line of a multi-line error: a table row is one line.
    assert errored[3] == "SteadyStateTimeout: pods never became Ready"


def test_a_pipe_in_what_was_seen_does_not_break_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = run(
        "pipe",
        1.0,
        ExpectationResult(PodReady(within=30), Outcome.FAILED, "Ready within 30 s", "never Ready | gone"),
    )
    report = RunReport(RUN_ID, "2025-01-01T10:02:00+00:00", __version__, (failed,))
    write_report(tmp_path, report)
    ((*_, problem),) = table(markdown(tmp_path, capsys))
    assert problem == r"pod-ready: expected Ready within 30 s; seen never Ready \| gone"


def test_leftover_namespaces_are_named_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_report(tmp_path, REPORT)
    text = markdown(tmp_path, capsys)
    assert "Namespaces left behind: pc-web-node-cordon-00000000 (run podchaos sweep)." in text.splitlines()
    clean = RunReport(RUN_ID, "2025-01-01T10:02:00+00:00", __version__, (PASSED,))
    write_report(tmp_path / "clean", clean)
    assert "left behind" not in markdown(tmp_path / "clean", capsys)


def test_a_run_without_scenarios_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_report(tmp_path, RunReport(RUN_ID, "2025-01-01T10:02:00+00:00", __version__, ()))
    text = markdown(tmp_path, capsys)
    assert "0 scenario run(s): no runs." in text.splitlines()
    assert table(text) == []


def test_summaries_append_to_one_file_as_sections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As the CI job does: the file the directory names and results.json give the same text, and two
    summaries appended one after the other stay two sections."""
    write_report(tmp_path / RUN_ID, REPORT)
    from_dir = markdown(tmp_path / RUN_ID, capsys)
    from_file = markdown(tmp_path / RUN_ID / "results.json", capsys)
    assert from_dir == from_file
    assert from_dir.endswith("|\n") or from_dir.endswith(".\n")
    summary = from_dir + from_file
    assert summary.count(f"\n## podchaos run {RUN_ID}\n") == 1
    assert summary.startswith(f"## podchaos run {RUN_ID}\n")


def test_output_goes_to_a_file_with_o(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_report(tmp_path, REPORT)
    target = tmp_path / "summary.md"
    printed = markdown(tmp_path, capsys, "-o", str(target))
    assert printed.strip() == str(target)
    assert target.read_text() == markdown(tmp_path, capsys)


def test_a_missing_or_foreign_results_file_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--format", "markdown", str(tmp_path / "nowhere")]) == 2
    assert "Traceback" not in capsys.readouterr().err
    (tmp_path / "results.json").write_text('{"hello": "world"}')
    assert main(["report", "--format", "markdown", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not a podchaos results document" in captured.err
