"""The GitHub Actions workflow in docs/ci-github-actions.md stays a valid workflow that runs the scenario
matrix with podchaos's real options and uploads the JUnit XML it writes."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from podchaos.catalogue import builtin_scenario_dir, discover

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ci-github-actions.md"
README = ROOT / "README.md"


def workflow() -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    (chaos,) = [block for block in blocks if block.startswith("# .github/workflows/")]
    document = yaml.safe_load(chaos)
    assert isinstance(document, dict)
    return document


def steps(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step.get("name", step.get("uses", "")): step for step in job["steps"]}


def pytest_arguments(run: str) -> list[str]:
    """The words of the step's ``args=( ... )`` array and its ``args+=(...)`` lines."""
    words: list[str] = []
    for group in re.findall(r"args\+?=\((.*?)\)", run, flags=re.DOTALL):
        words += shlex.split(group)
    return words


@pytest.fixture
def job() -> dict[str, Any]:
    document = workflow()
    # YAML 1.1 reads the bare key ``on`` as True; GitHub reads it as "on".
    triggers = document.get("on") or document[True]  # type: ignore[index]
    assert {"pull_request", "schedule"} <= set(triggers)
    result: dict[str, Any] = document["jobs"]["scenarios"]
    return result


def test_the_matrix_runs_catalogue_scenarios(job: dict[str, Any]) -> None:
    scenarios = job["strategy"]["matrix"]["scenario"]
    assert scenarios
    assert set(scenarios) <= set(discover([builtin_scenario_dir()]))
    assert job["strategy"]["fail-fast"] is False
    run = steps(job)["Run the scenario"]["run"]
    arguments = pytest_arguments(run)
    assert "--scenario" in arguments
    assert arguments[arguments.index("--scenario") + 1] == "${{ matrix.scenario }}"


def test_the_run_uses_only_real_podchaos_options(job: dict[str, Any]) -> None:
    options = (ROOT / "podchaos" / "pytest_plugin" / "options.py").read_text()
    arguments = pytest_arguments(steps(job)["Run the scenario"]["run"])
    flags = {word.split("=", 1)[0] for word in arguments if word.startswith("--")}
    assert {"--scenario", "--junitxml", "--podchaos-report-dir", "--podchaos-pushgateway"} <= flags
    for flag in flags - {"--junitxml"}:
        assert f'"{flag}"' in options, f"{flag} is not a podchaos option"


def test_the_junit_xml_the_run_writes_is_uploaded_and_summarised(job: dict[str, Any]) -> None:
    by_name = steps(job)
    arguments = pytest_arguments(by_name["Run the scenario"]["run"])
    (junit,) = [word.split("=", 1)[1] for word in arguments if word.startswith("--junitxml=")]
    (report_dir,) = [word.split("=", 1)[1] for word in arguments if word.startswith("--podchaos-report-dir=")]
    upload = by_name["Upload the reports"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()"
    uploaded = upload["with"]["path"].rstrip("/")
    assert junit.startswith(f"{uploaded}/")
    assert report_dir.rstrip("/") == uploaded
    summary = by_name["JUnit summary"]
    assert summary["if"] == "always()"
    assert summary["with"]["report_paths"] == junit


def test_the_readme_links_the_workflow_and_names_every_metric() -> None:
    from podchaos.metrics import METRIC_NAMES

    readme = README.read_text()
    section = readme[readme.index("## Reports and metrics") : readme.index("## Writing your own tests")]
    assert "(docs/ci-github-actions.md)" in section
    for name in METRIC_NAMES:
        shown = name if name.endswith("_seconds") else f"{name}_total"
        assert f"`{shown}`" in section, name
    for option in ("--podchaos-report-dir", "--podchaos-metrics-file", "--podchaos-pushgateway"):
        assert f"`{option}=" in section
