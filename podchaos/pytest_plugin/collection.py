"""Scenario files as pytest items: one item per scenario file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from podchaos.errors import PodchaosError, ScenarioError, ScenarioFailed
from podchaos.pytest_plugin.fixtures import session_services
from podchaos.pytest_plugin.stash import SESSION_KEY

if TYPE_CHECKING:
    from podchaos.model import RunResult, Scenario


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
            raise self.CollectError(str(exc)) from exc
        yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


class ScenarioItem(pytest.Item):
    """One scenario run against the session's cluster."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        for tag in scenario.tags:
            # A keyword argument, because `-m` matches markers by keyword only: -m "podchaos_tag(name='x')".
            self.add_marker(pytest.mark.podchaos_tag(name=tag))
        self.add_marker(pytest.mark.e2e)

    def runtest(self) -> None:
        from podchaos import deploy, runner

        session = self.config.stash[SESSION_KEY]
        options = runner.RunOptions(keep_namespace=session.options.keep_namespace, run_id=deploy.new_run_id())
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
        self.finished(result)
        if not result.passed:
            raise ScenarioFailed(result)

    def finished(self, result: RunResult) -> None:
        """Hand the run to ``pytest_podchaos_scenario_finished`` (reports, metrics, JUnit properties)."""
        self.ihook.pytest_podchaos_scenario_finished(item=self, scenario=self.scenario, result=result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            from podchaos.report.text import format_result

            return f"scenario {self.scenario.name} failed ({self.scenario.source})\n\n" + format_result(
                excinfo.value.result
            )
        if isinstance(excinfo.value, PodchaosError):
            return f"scenario {self.scenario.name}: {type(excinfo.value).__name__}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario: {self.scenario.name}"
