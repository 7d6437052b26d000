"""The nights a trend is drawn from: ``results.json`` files found under the paths given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from podchaos.errors import ReportError
from podchaos.report.files import RESULTS_FILE, load_report
from podchaos.report.trend import Night


def results_files(paths: Sequence[Path]) -> list[Path]:
    """Each path's ``results.json``: the file itself, a run directory holding one, or a directory of
    run directories (``reports/``, searched recursively). A path holding none is an error."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif (path / RESULTS_FILE).is_file():
            found.append(path / RESULTS_FILE)
        elif path.is_dir():
            nested = sorted(path.rglob(RESULTS_FILE))
            if not nested:
                raise ReportError(f"{path}: no {RESULTS_FILE} in it or below it")
            found.extend(nested)
        else:
            raise ReportError(f"{path}: no such file or directory")
    return list(dict.fromkeys(file.resolve() for file in found))


def load_nights(paths: Sequence[Path]) -> list[Night]:
    """Every night under ``paths``, each labelled by its ``results.json``."""
    return [Night.of(load_report(file), str(file)) for file in results_files(paths)]
