"""Report files on disk, written whole or not at all: the run documents, ``results.json`` and the HTML
report. :func:`write_reports` is the one path that writes a run's reports, for a pytest session and for
``podchaos report`` alike."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from podchaos.errors import ReportError
from podchaos.model import RunReport, ScenarioRun
from podchaos.report.html import render_html
from podchaos.report.json_report import dumps, report_from_dict, report_to_dict, run_from_dict, run_to_dict

RESULTS_FILE = "results.json"
HTML_FILE = "report.html"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so readers see the old file or the whole new one, never a partial one.

    The temporary file lives in the target directory because ``os.replace`` is atomic only within
    one file system.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private; reports and metrics are meant to be read by others.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_run(directory: Path, run: ScenarioRun) -> Path:
    """Write one run's document into ``directory`` (the run's ``runs/`` folder); returns its path."""
    path = directory / run.file_name
    write_atomically(path, dumps(run_to_dict(run)))
    return path


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ReportError(f"{path}: not JSON: {exc}") from exc


def read_runs(directory: Path) -> tuple[ScenarioRun, ...]:
    """Every run document in ``directory``, ordered by start time then scenario name."""
    if not directory.is_dir():
        return ()
    runs = [run_from_dict(_read_json(path), str(path)) for path in sorted(directory.glob("*.json"))]
    return tuple(sorted(runs, key=lambda run: (run.result.started_at, run.result.scenario)))


def write_report(directory: Path, report: RunReport) -> Path:
    """Write ``results.json`` into ``directory``; returns its path."""
    path = directory / RESULTS_FILE
    write_atomically(path, dumps(report_to_dict(report)))
    return path


def load_report(path: Path) -> RunReport:
    """A ``results.json``, given the file or the run directory that holds it."""
    file = path / RESULTS_FILE if path.is_dir() else path
    return report_from_dict(_read_json(file), str(file))


def write_html(report: RunReport, path: Path) -> Path:
    """Draw the HTML report into ``path``; returns it."""
    write_atomically(path, render_html(report))
    return path


def write_reports(directory: Path, report: RunReport) -> Path:
    """A session's reports into its run directory: ``results.json``, then the HTML report drawn from
    the same document; returns the HTML report's path. OSError when a file cannot be written."""
    write_report(directory, report)
    return write_html(report, directory / HTML_FILE)
