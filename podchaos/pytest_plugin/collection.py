"""Scenario files as pytest items: one item per scenario file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from podchaos.errors import PodchaosError, ScenarioError
from podchaos.pytest_plugin.fixtures import session_services
from podchaos.pytest_plugin.stash import OPTIONS_KEY, SESSION_KEY

if TYPE_CHECKING:
    from podchaos.model import RunResult, Scenario


def rootdir_relative(config: pytest.Config, text: str) -> str:
    """``text`` with paths under the rootdir written relative to it, as pytest writes node ids: the
    short summary line keeps the file's name instead of cutting an absolute path to ``/t...``."""
    for root in dict.fromkeys((str(config.rootpath), str(config.rootpath.resolve()))):
        text = text.replace(root.rstrip(os.sep) + os.sep, "")
    return text


class ScenarioFailed(Exception):
    """A scenario run whose verdict failed or that could not complete; carries the run result.

    Not a PodchaosError: it is how a finished run reports its outcome to pytest, not an error of
    podchaos itself.
    """

    def __init__(self, result: RunResult) -> None:
        self.result = result
        super().__init__(result.error or "expectations failed")


class ScenarioFile(pytest.File):
    """A scenario file (``<name>.scenario.yaml``)."""

    @classmethod
    def from_parent(cls, parent: pytest.Collector, **kwargs: Any) -> ScenarioFile:
        """The file's node; a file outside the rootdir (the installed catalogue) is named by its folder
        and name (``scenarios/sidecar-kill.scenario.yaml``), as pytest would name it by nothing
        (``::sidecar-kill``) when it is also the command-line argument."""
        path = kwargs.get("path")
        if path is not None and "nodeid" not in kwargs:
            try:
                Path(path).resolve().relative_to(parent.config.rootpath.resolve())
            except ValueError:
                kwargs["nodeid"] = f"{Path(path).parent.name}/{Path(path).name}"
        node: ScenarioFile = super().from_parent(parent, **kwargs)
        return node

    def collect(self) -> Iterator[ScenarioItem]:
        from podchaos.catalogue import load

        try:
            scenario = load(self.path)
        except ScenarioError as exc:
            raise self.CollectError(rootdir_relative(self.config, str(exc))) from exc
        # --podchaos-repeat N (or the scenario's repeat:, whichever is more): N items, so xdist spreads
        # them and --lf reruns only the ones that failed. A single run keeps the plain name.
        count = max(self.config.stash[OPTIONS_KEY].repeat, scenario.repeat)
        if count == 1:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)
            return
        for repetition in range(1, count + 1):
            # The node id as a string, so pytest >= 9 parses the "[N]" as parameters, as it does for
            # the ids --lf reads back from its cache.
            name = f"{scenario.name}[{repetition}]"
            yield ScenarioItem.from_parent(
                self, name=name, nodeid=f"{self.nodeid}::{name}", scenario=scenario, repetition=repetition
            )


PLAN_SECTION = "podchaos plan"
# podchaos's own marker on everything that needs a cluster: scenario items, and tests using the
# cluster fixtures (``-m "not podchaos"`` runs the rest without one).
CLUSTER_MARKER_NAME = "podchaos"
CLUSTER_MARKER = pytest.mark.podchaos
CLUSTER_FIXTURES = frozenset({"chaos", "podchaos_cluster", "podchaos_kube"})

# pytest's own markers change how a test runs; a tag by such a name stays a podchaos_tag only.
RESERVED_MARKERS = frozenset(
    {"skip", "skipif", "xfail", "usefixtures", "filterwarnings", "parametrize", "tryfirst", "trylast"}
)
REGISTERED_TAGS = pytest.StashKey[set[str]]()


def register_tag(config: pytest.Config, tag: str) -> bool:
    """Register ``tag`` as a marker (once), so ``--strict-markers`` accepts it; False for a tag that
    is one of pytest's own markers."""
    if tag in RESERVED_MARKERS or not tag.isprintable() or not tag:
        return False
    registered = config.stash.setdefault(REGISTERED_TAGS, set())
    if tag not in registered:
        config.addinivalue_line("markers", f"{tag}: scenario tag (podchaos)")
        registered.add(tag)
    return True


class ScenarioItem(pytest.Item):
    """One scenario run against the session's cluster.

    The run (deploy, steady state, faults, observation) happens in the item's setup, so a run that
    could not complete (a cluster that did not come up, a workload that never got steady, a fault that
    could not be injected) is a pytest error, and JUnit ``<error>``; the verdict is judged in the
    call, so expectations that did not hold are a failure.
    """

    def __init__(self, *, scenario: Scenario, repetition: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        # Which of the scenario's repeated runs (1, 2 ...), 0 when it runs once.
        self.repetition = repetition
        self.result: RunResult | None = None
        for tag in scenario.tags:
            # A keyword argument, because `-m` matches markers by keyword only: -m "podchaos_tag(name='x')".
            self.add_marker(pytest.mark.podchaos_tag(name=tag))
            if register_tag(self.config, tag):
                self.add_marker(tag)  # -m sidecar
        self.add_marker(CLUSTER_MARKER)

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.scenario.tags)

    def setup(self) -> None:
        from podchaos import deploy, runner

        super().setup()
        session = self.config.stash[SESSION_KEY]
        if session.options.dry_run:
            # Skipped, not passed: a dry-run setting left in CI must not read as green runs.
            plan = self.print_plan()
            raise pytest.skip.Exception(f"dry run, nothing ran: {plan}", _use_item_location=True)
        unmet = self.unmet_requirement()
        if unmet is not None:
            # Reported at the scenario file, as a skip marker's reason is, not at this line.
            raise pytest.skip.Exception(unmet, _use_item_location=True)
        options = runner.RunOptions(
            keep_namespace=session.options.keep_namespace,
            run_id=deploy.new_run_id(),
            allowed_namespaces=session.options.allowed_namespaces,
        )
        # Whatever goes wrong, a cluster that does not come up included, is the result's error, and
        # the run still counts in the reports and metrics.
        try:
            result = runner.run_scenario(lambda: session_services(self.config), self.scenario, options)
        except Exception as exc:
            # A bug that escaped the runner: the run still counts, as an error.
            result = runner.errored_result(self.scenario, options, exc)
            self.finished(result)
            if isinstance(exc, PodchaosError):
                raise ScenarioFailed(result) from exc
            raise  # not podchaos's own error: keep its traceback
        self.result = result
        self.finished(result)
        if result.error:
            raise ScenarioFailed(result)

    def unmet_requirement(self) -> str | None:
        """Why the session's cluster cannot run this scenario (its ``requires:``), or None."""
        if self.scenario.requires.kubernetes is None:
            return None
        try:
            session_services(self.config)
            version = self.config.stash[SESSION_KEY].server_version()
        except PodchaosError:
            return None  # the run itself reports, as its error, what is wrong with the cluster
        return self.scenario.requires.unmet(version)

    def print_plan(self) -> str:
        """--podchaos-dry-run: the plan goes into the setup report (the terminal summary prints it, from
        xdist workers too); no cluster is made ready, nothing is connected to. Returns the plan."""
        from podchaos.engine.plan import describe_plan

        text = "\n".join(describe_plan(self.scenario))
        self.add_report_section("setup", PLAN_SECTION, text)
        return text

    def runtest(self) -> None:
        if self.result is not None and not self.result.passed:
            raise ScenarioFailed(self.result)

    def finished(self, result: RunResult) -> None:
        """Hand the run to ``pytest_podchaos_scenario_finished`` (reports, metrics, JUnit properties)."""
        self.ihook.pytest_podchaos_scenario_finished(item=self, scenario=self.scenario, result=result)

    def describe(self, error: BaseException) -> str | None:
        """The report of a run that failed or ended in an error; its first line is what pytest's short
        summary shows: the first expectation that did not hold, expected vs seen, or the error."""
        if isinstance(error, ScenarioFailed):
            from podchaos.report.text import format_result, headline

            text = f"{headline(error.result)}\n({self.scenario.source})\n\n" + format_result(error.result)
            return rootdir_relative(self.config, text)
        if isinstance(error, PodchaosError):
            return rootdir_relative(
                self.config, f"scenario {self.scenario.name}: {type(error).__name__}: {error}"
            )
        return None

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        described = self.describe(excinfo.value)
        return described if described is not None else str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        # Line 0, the file's start: a skip for an unmet requires: is reported at the scenario file.
        return self.path, 0, f"scenario: {self.scenario.name}"
