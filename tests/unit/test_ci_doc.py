"""The GitHub Actions workflow in docs/ci-github-actions.md works as written: it is the example project's
workflow and kind config, uses only real podchaos options and commands, checks the scenarios before
the cluster is created, selects by tag, has podchaos create the cluster from a config with two workers,
installs podchaos from its wheel (no package index release), summarises the results, and uploads the
JUnit XML it writes. tests/e2e/test_ci_doc_run.py runs the steps. The doc's exit-code table and forks caveat
are there."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from podchaos.cli import build_parser
from podchaos.cluster.kind.config import load_config
from podchaos.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ci-github-actions.md"
README = ROOT / "README.md"
EXAMPLE = ROOT / "docs" / "example-project"
# The settings table: every option, ini key and variable podchaos registers.
OPTIONS = (ROOT / "podchaos" / "pytest_plugin" / "settings.py").read_text()
# pytest's own options the workflow uses.
PYTEST_OPTIONS = {"--co", "--junitxml", "-q", "-m"}


def block(header: str) -> str:
    """The doc's YAML block whose first line is ``# <header>``."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    (found,) = [text for text in blocks if text.startswith(f"# {header}\n")]
    return str(found)


def workflow() -> dict[str, Any]:
    document = yaml.safe_load(block(".github/workflows/chaos.yml"))
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


def commands(run: str, program: str) -> list[list[str]]:
    """The step's one-line ``program ...`` commands, as words (``>> file`` left out)."""
    found = []
    for line in run.splitlines():
        words = shlex.split(line.split(">>", 1)[0])
        if words and words[0] == program:
            found.append(words[1:])
    return found


def flags(words: list[str]) -> set[str]:
    return {word.split("=", 1)[0] for word in words if word.startswith("-")}


def example_tags() -> set[str]:
    tags: set[str] = set()
    for path in (EXAMPLE / "chaos").glob("*.scenario.yaml"):
        tags |= set(load_scenario(path).tags)
    return tags


@pytest.fixture
def job() -> dict[str, Any]:
    document = workflow()
    # YAML 1.1 reads the bare key ``on`` as True; GitHub reads it as "on".
    triggers = document.get("on") or document[True]  # type: ignore[index]
    assert {"pull_request", "schedule"} <= set(triggers)
    result: dict[str, Any] = document["jobs"]["chaos"]
    return result


def test_the_doc_shows_the_example_projects_workflow_and_kind_config() -> None:
    assert block(".github/workflows/chaos.yml") == (EXAMPLE / ".github/workflows/chaos.yml").read_text()
    assert block(".github/kind.yaml") == (EXAMPLE / ".github/kind.yaml").read_text()


def test_the_kind_cluster_has_two_workers(job: dict[str, Any]) -> None:
    config = yaml.safe_load(block(".github/kind.yaml"))
    assert config["kind"] == "Cluster"
    assert config["apiVersion"].startswith("kind.x-k8s.io/")
    roles = [node["role"] for node in config["nodes"]]
    assert roles.count("worker") == 2
    assert roles.count("control-plane") == 1
    # podchaos creates the cluster from it (and checks it as it does when pytest starts).
    run = pytest_arguments(steps(job)["Run the chaos tests"]["run"])
    assert "--podchaos-cluster=kind" in run
    (given,) = [word.split("=", 1)[1] for word in run if word.startswith("--podchaos-kind-config=")]
    assert given == ".github/kind.yaml"
    assert load_config(EXAMPLE / given, "podchaos").schedulable_nodes == 2
    # kind-action only installs kind: a cluster it made would be reused as it is, config unread.
    install = steps(job)["Install kind"]
    assert install["uses"].startswith("helm/kind-action@")
    assert install["with"] == {"install_only": True}


def test_podchaos_is_installed_from_its_wheel_not_from_an_index_or_the_users_checkout(
    job: dict[str, Any],
) -> None:
    (install,) = commands(steps(job)["Install podchaos"]["run"], "python")
    assert install[:3] == ["-m", "pip", "install"]
    assert not {"-e", "--editable", "."} & set(install)
    # No package index release exists: the one requirement is a wheel of this version.
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert install[3:] == [f"wheels/podchaos-{version}-py3-none-any.whl"]
    section = DOC.read_text().split("## Installing podchaos", 1)[1].split("\n## ", 1)[0]
    assert f"`python -m pip install {install[3]}`" in section
    assert "no package index release" in section
    assert "pip install -e ." in section  # named, to say why not


def test_the_scenarios_are_checked_before_the_cluster_is_created(job: dict[str, Any]) -> None:
    names = [step.get("name", step.get("uses", "")) for step in job["steps"]]
    check = commands(steps(job)["Check the scenarios"]["run"], "pytest")
    assert any("--co" in words for words in check)
    assert ["--podchaos-list-scenarios"] in check
    assert names.index("Install podchaos") < names.index("Check the scenarios")
    assert names.index("Check the scenarios") < names.index("Install kind")
    assert names.index("Install kind") < names.index("Run the chaos tests")
    # The check selects what the run will run, so an empty selection fails before the cluster.
    for words in check:
        if "--co" in words:
            assert words[words.index("-m") + 1] == "${{ matrix.select }}"


def test_the_matrix_selects_by_tag(job: dict[str, Any]) -> None:
    assert job["strategy"]["fail-fast"] is False
    groups = job["strategy"]["matrix"]["include"]
    assert len({group["name"] for group in groups}) == len(groups)
    tags = example_tags() | {"podchaos_tag"}
    for group in groups:
        names = set(re.findall(r"[\w-]+", group["select"])) - {"and", "or", "not"}
        assert names <= tags, group
    assert {"select": "sidecar"}.items() <= next(g for g in groups if g["name"] == "sidecars").items()
    run = pytest_arguments(steps(job)["Run the chaos tests"]["run"])
    assert run[run.index("-m") + 1] == "${{ matrix.select }}"


def test_the_commands_use_only_real_podchaos_options(job: dict[str, Any]) -> None:
    used: set[str] = set()
    for step in job["steps"]:
        run = step.get("run", "")
        used |= flags(pytest_arguments(run))
        for words in commands(run, "pytest"):
            used |= flags(words)
    assert {"--podchaos-list-scenarios", "--podchaos-report-dir", "--podchaos-pushgateway"} <= used
    for flag in used - PYTEST_OPTIONS:
        assert f'"{flag}"' in OPTIONS, f"{flag} is not a podchaos option"
    # The podchaos commands parse with podchaos's own command line.
    reports = commands(steps(job)["Job summary"]["run"], "podchaos")
    assert reports
    for words in reports:
        build_parser().parse_args(words)


def test_the_example_projects_ini_keys_are_podchaos_settings() -> None:
    settings = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    keys = {key for key in settings if key.startswith("podchaos_")}
    assert {"podchaos_builtin", "podchaos_scenario_dirs", "podchaos_report_dir"} <= keys
    for key in keys:
        assert f'"{key}"' in OPTIONS or f'_INI = "{key}"' in OPTIONS, key


def test_the_job_summary_is_written_from_the_results(job: dict[str, Any]) -> None:
    by_name = steps(job)
    summary = by_name["Job summary"]
    assert summary["if"] == "always()"
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    (report,) = commands(summary["run"], "podchaos")
    assert report[:3] == ["report", "--format", "markdown"]
    arguments = pytest_arguments(by_name["Run the chaos tests"]["run"])
    (report_dir,) = [word.split("=", 1)[1] for word in arguments if word.startswith("--podchaos-report-dir=")]
    assert f"{report_dir}/*/results.json" in summary["run"]


def test_the_junit_xml_the_run_writes_is_uploaded_and_summarised(job: dict[str, Any]) -> None:
    by_name = steps(job)
    arguments = pytest_arguments(by_name["Run the chaos tests"]["run"])
    (junit,) = [word.split("=", 1)[1] for word in arguments if word.startswith("--junitxml=")]
    (report_dir,) = [word.split("=", 1)[1] for word in arguments if word.startswith("--podchaos-report-dir=")]
    upload = by_name["Upload the reports"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()"
    uploaded = upload["with"]["path"].rstrip("/")
    assert junit.startswith(f"{uploaded}/")
    assert report_dir.rstrip("/") == uploaded
    summary = by_name["JUnit summary"]
    assert summary["if"].startswith("always() && ")
    assert summary["with"]["report_paths"] == junit


def test_the_check_run_is_skipped_for_pull_requests_from_forks(job: dict[str, Any]) -> None:
    assert workflow()["permissions"]["checks"] == "write"
    condition = steps(job)["JUnit summary"]["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    section = DOC.read_text().split("## Pull requests from forks", 1)[1].split("\n## ", 1)[0]
    assert "read-only token" in section
    assert "`checks: write`" in section


def test_the_exit_code_table_covers_every_pytest_exit_code() -> None:
    section = DOC.read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = {int(m[1]): m[2] for m in re.finditer(r"^\| (\d) \| (.*) \|$", section, flags=re.MULTILINE)}
    # pytest 9 added 6 (--max-warnings); the table covers it too.
    assert set(rows) == {int(code) for code in pytest.ExitCode} | {6}
    assert "failure" in rows[pytest.ExitCode.TESTS_FAILED]
    assert "error" in rows[pytest.ExitCode.TESTS_FAILED]
    assert "steady" in rows[pytest.ExitCode.TESTS_FAILED]
    assert "scenario file" in rows[pytest.ExitCode.INTERRUPTED]
    assert "--scenario" in rows[pytest.ExitCode.USAGE_ERROR]
    assert "no tests collected" in rows[pytest.ExitCode.NO_TESTS_COLLECTED]


def test_the_readme_links_the_workflow_and_names_every_metric() -> None:
    from podchaos.report.metrics import METRIC_NAMES

    readme = README.read_text()
    section = readme[readme.index("## Reports and metrics") : readme.index("## Writing your own tests")]
    assert "(docs/ci-github-actions.md)" in section
    for name in METRIC_NAMES:
        shown = name if name.endswith(("_seconds", "_info")) else f"{name}_total"
        assert f"`{shown}`" in section, name
    for option in ("--podchaos-report-dir", "--podchaos-metrics-file", "--podchaos-pushgateway"):
        assert f"`{option}=" in section
