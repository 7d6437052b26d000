"""The pytest plugin (entry point ``pytest11: podchaos``): options, scenario collection, fixtures.

Scenario files (``<name>.scenario.yaml``) are pytest items wherever pytest collects (``pytest
scenarios/``). With ``--scenario NAME`` pytest runs exactly the matching scenarios of the built-in
catalogue and the scenario directories (other tests are deselected). Without it, a run that was given
no paths (pytest's ``testpaths``, or the invocation directory) also collects the scenario directories.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from podchaos.catalogue import discover, is_scenario_file, misnamed_scenario, select
from podchaos.errors import PodchaosError
from podchaos.pytest_plugin import hookspecs
from podchaos.pytest_plugin.collection import (
    CLUSTER_FIXTURES,
    CLUSTER_MARKER,
    CLUSTER_MARKER_NAME,
    PLAN_SECTION,
    ScenarioFile,
    ScenarioItem,
    rootdir_relative,
)
from podchaos.pytest_plugin.fixtures import (  # noqa: F401  (fixtures are registered by being module attributes)
    chaos,
    podchaos_cluster,
    podchaos_kube,
)
from podchaos.pytest_plugin.options import PodchaosOptions, read_options
from podchaos.pytest_plugin.reporting import ReportingPlugin
from podchaos.pytest_plugin.session import ClusterSession
from podchaos.pytest_plugin.settings import add_options
from podchaos.pytest_plugin.stash import OPTIONS_KEY, SELECTED_KEY, SESSION_KEY

TAG_MARKER = "podchaos_tag"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def _covered(path: Path, arguments: list[str], base: Path) -> bool:
    """Whether pytest already walks ``path`` for one of the command-line arguments."""
    for argument in arguments:
        target = (base / argument.split("::")[0]).resolve()
        if path == target or target in path.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{TAG_MARKER}(name=TAG): a scenario's tag from its file (each tag is also a marker)"
    )
    # Registered here so projects using --strict-markers can select by it.
    config.addinivalue_line(
        "markers",
        f"{CLUSTER_MARKER_NAME}: needs a Kubernetes cluster (scenario items, and tests using the chaos, "
        "podchaos_cluster or podchaos_kube fixtures)",
    )
    options = read_options(config)
    config.stash[OPTIONS_KEY] = options
    reporting = ReportingPlugin(config)
    # The run directory, shared by xdist workers: a failed cluster set-up is recorded there once.
    config.stash[SESSION_KEY] = ClusterSession(options, reporting.place.run_dir)
    config.pluginmanager.register(reporting, "podchaos-reporting")
    selected: frozenset[Path] = frozenset()
    try:
        # Every scenario directory must exist and hold scenario files, and no two scenarios may share
        # a name: a usage error before anything is collected.
        available = discover(options.scenario_dirs)
        if options.scenarios:
            files = select(options.scenarios, available)
            selected = frozenset(path.resolve() for path in files)
            # Collect exactly the selected scenario files, whatever paths were given.
            config.args = [str(path) for path in files]
    except PodchaosError as exc:
        raise pytest.UsageError(rootdir_relative(config, str(exc))) from exc
    config.stash[SELECTED_KEY] = selected
    if not selected and config.args_source != pytest.Config.ArgsSource.ARGS:
        # No paths given: pytest collects its testpaths (or the invocation directory); the scenario
        # directories are part of the project's tests too.
        base = config.invocation_params.dir
        extra = [str(d) for d in options.user_scenario_dirs if not _covered(d, config.args, base)]
        config.args = [*config.args, *extra]


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if not config.getoption("podchaos_list_scenarios"):
        return None
    try:
        return list_scenarios(read_options(config), config.getoption("podchaos_list_format"))
    except (PodchaosError, pytest.UsageError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return int(pytest.ExitCode.USAGE_ERROR)


def list_scenarios(options: PodchaosOptions, output: str = "text") -> int:
    """Print the scenarios ``--scenario`` picks from (only the matching ones when it is given), each
    checked as collection checks it: a file collection would reject is an error on stderr, and the
    exit status is then 2, as a collection error's. With ``output`` json, one JSON list of objects
    (name, description, tags, file) instead of lines. ``podchaos scenarios`` lists through here."""
    from podchaos.catalogue import load

    available = discover(options.scenario_dirs)
    paths = select(options.scenarios, available) if options.scenarios else list(available.values())
    errors = 0
    found: list[dict[str, Any]] = []
    try:
        for path in paths:
            try:
                scenario = load(path)
            except PodchaosError as exc:
                print(f"podchaos: error: {exc}", file=sys.stderr)
                errors += 1
                continue
            description = scenario.description.splitlines()[0] if scenario.description else ""
            tags = list(scenario.tags)
            found.append({"name": scenario.name, "description": description, "tags": tags, "file": str(path)})
            if output == "text":
                shown = f"  [{', '.join(tags)}]" if tags else ""
                print(f"{scenario.name:<32} {description}{shown}", flush=True)
        if output == "json":
            print(json.dumps(found, indent=2), flush=True)
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    return 2 if errors else 0


def _quiet_stdout() -> None:
    """The reader went away (``| head``): send what is left to /dev/null so exiting stays quiet."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    config = parent.config
    if not is_scenario_file(file_path):
        misnamed = misnamed_scenario(file_path)
        if misnamed is not None:
            parent.warn(pytest.PytestCollectionWarning(misnamed))
        return None
    selected = config.stash[SELECTED_KEY]
    if not selected or file_path.resolve() in selected:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """``--lf`` finds a failed test's file from its node id under the rootdir; the built-in catalogue
    lies elsewhere (``podchaos/scenarios`` of the installed package), so pytest would skip its files.
    A scenario file with a recorded failure is collected all the same."""
    report = yield
    if (
        isinstance(collector, ScenarioFile)
        and report.passed
        and not report.result
        and _failed_before(collector)
    ):
        from _pytest.runner import pytest_make_collect_report as collect

        return collect(collector)
    return report


def _failed_before(collector: ScenarioFile) -> bool:
    cache = getattr(collector.config, "cache", None)
    if cache is None or not collector.config.getoption("lf", False):
        return False
    lastfailed: dict[str, bool] = cache.get("cache/lastfailed", {})
    return any(nodeid.startswith(f"{collector.nodeid}::") for nodeid in lastfailed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A scenario's run happens in its setup, its verdict in the call: either reads as the reason first
    (the first failed expectation, or the error), then the run's report, not as a traceback."""
    report = yield
    if isinstance(item, ScenarioItem) and call.when in {"setup", "call"} and call.excinfo is not None:
        described = item.describe(call.excinfo.value)
        if described is not None:
            # Not one of pytest's own representations: anything with toterminal() and reprcrash will do.
            vars(report)["longrepr"] = RunReprs(described)
    return report


@dataclass(frozen=True)
class Crash:
    """What pytest's short summary and JUnit's ``message`` show: the report's first line."""

    message: str


class RunReprs:
    """A scenario's failure or error as pytest shows it: the whole text in the report, its first line
    (the first failed expectation, or the error) in the short summary and as JUnit's message."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.reprcrash = Crash(text.splitlines()[0] if text.strip() else "")

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    duplicates: dict[str, ScenarioItem] = {}
    for item in items:
        if CLUSTER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(CLUSTER_MARKER)
        if isinstance(item, ScenarioItem):
            first = duplicates.setdefault(item.scenario.name, item)
            if first is not item and first.path != item.path:  # repetitions share their file
                name = item.scenario.name
                raise pytest.UsageError(
                    f"two scenarios are named {name!r}: {first.path} and {item.path}; rename one"
                )
    if not config.stash[SELECTED_KEY]:
        return
    others = [item for item in items if not isinstance(item, ScenarioItem)]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = [item for item in items if isinstance(item, ScenarioItem)]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """--podchaos-dry-run: each scenario's plan, from its report (the setup's section)."""
    if not config.stash[OPTIONS_KEY].dry_run:
        return
    plans = [
        content
        for report in terminalreporter.stats.get("skipped", [])
        if report.when == "setup"
        for title, content in report.sections
        if PLAN_SECTION in title
    ]
    if plans:
        terminalreporter.section("podchaos plan (dry run: no cluster was used)")
        for plan in plans:
            terminalreporter.write_line(plan)
            terminalreporter.write_line("")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()
