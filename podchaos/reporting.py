"""The reporting plugin: per-run JSON, ``results.json``, the HTML report, JUnit properties and metrics.

Every pytest process (each xdist worker, or a plain run) writes each finished scenario run to
``<report dir>/<run id>/runs/<scenario>-<namespace>.json`` as it happens. The controller (the process
without ``workerinput``) gathers them at the end of the session, so ``results.json``, ``report.html``
and the exported metrics cover every worker exactly once. The controller makes the run id and hands
it to the workers through ``workerinput``.
"""

from __future__ import annotations

import contextlib
import datetime
import secrets
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from podchaos import __version__, metrics
from podchaos.cluster.provider import ClusterAccess
from podchaos.errors import PodchaosError
from podchaos.model import RunResult, Scenario
from podchaos.options import ReportOptions, read_report_options
from podchaos.report.html import render_html
from podchaos.report.json_report import (
    RUNS_DIR,
    ClusterInfo,
    RunReport,
    ScenarioRun,
    read_runs,
    write_atomically,
    write_report,
    write_run,
)
from podchaos.stash import SESSION_KEY

RUN_ID_INPUT = "podchaos_run_id"
REPORT_DIR_INPUT = "podchaos_report_dir"
HTML_FILE = "report.html"


@dataclass(frozen=True)
class CallFailure:
    """How a test's body failed: an assertion (a verdict judged false) or an error that stopped it."""

    assertion: bool
    description: str

    @classmethod
    def of(cls, exc: BaseException) -> CallFailure:
        """The failure an exception stands for; the message's first line only (reports show it in a row)."""
        message = str(exc).strip().splitlines()
        detail = f": {message[0]}" if message else ""
        return cls(isinstance(exc, AssertionError), f"{type(exc).__name__}{detail}")


CALL_FAILURE = pytest.StashKey[CallFailure]()


def new_run_id() -> str:
    """A sortable, unique id of one pytest run: UTC time plus a random suffix."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class RunPlace:
    """Where this process writes: the run id and its report directory."""

    run_id: str
    report_dir: Path
    worker: str
    controller: bool

    @property
    def run_dir(self) -> Path:
        """``<report dir>/<run id>``."""
        return self.report_dir / self.run_id

    @property
    def runs_dir(self) -> Path:
        """Where each process writes its scenario runs."""
        return self.run_dir / RUNS_DIR


def place_for(config: pytest.Config, options: ReportOptions) -> RunPlace:
    """The controller's own place, or the one the controller handed to this xdist worker."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None:
        return RunPlace(new_run_id(), options.report_dir, worker="", controller=True)
    return RunPlace(
        run_id=str(workerinput.get(RUN_ID_INPUT) or new_run_id()),
        report_dir=Path(workerinput.get(REPORT_DIR_INPUT) or options.report_dir),
        worker=str(workerinput.get("workerid", "")),
        controller=False,
    )


class ReportingPlugin:
    """Registered by podchaos's ``pytest_configure``; one instance per pytest process."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.options = read_report_options(config)
        self.place = place_for(config, self.options)
        self.cluster = ClusterInfo()
        self.summary: list[str] = []

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist (controller side): give each worker the run id and the report directory."""
        node.workerinput[RUN_ID_INPUT] = self.place.run_id
        node.workerinput[REPORT_DIR_INPUT] = str(self.place.report_dir)

    # The podchaos hooks are not optional: their specs are added before this plugin is registered, so
    # pytest rejects an implementation whose hook was renamed or removed instead of never calling it.
    def pytest_podchaos_cluster_ready(self, config: pytest.Config, access: ClusterAccess) -> None:
        """Remember which cluster this process uses; its server version is best effort."""
        self.note_cluster(config, access)

    def pytest_podchaos_scenario_finished(
        self, item: pytest.Item, scenario: Scenario, result: RunResult
    ) -> None:
        """Record the run: its JUnit properties and its JSON document."""
        self.record_run(item, scenario, result)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Keep how a test's call phase failed, for the ``chaos`` fixture's result at teardown."""
        report = yield
        excinfo = call.excinfo if call.when == "call" else None
        if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception):
            item.stash[CALL_FAILURE] = CallFailure.of(excinfo.value)
        return report

    def note_cluster(self, config: pytest.Config, access: ClusterAccess) -> None:
        """Keep the cluster's provider, description and (if it answers) server version for the reports."""
        version = ""
        # The version is optional metadata: a report without it is still a report.
        with contextlib.suppress(PodchaosError):
            version = config.stash[SESSION_KEY].kube().server_version()
        self.cluster = ClusterInfo(access.provider, access.description, version)

    def record_run(self, item: pytest.Item, scenario: Scenario, result: RunResult) -> ScenarioRun:
        """Add the run's outcome, namespace, duration and recovery times to the item's JUnit properties
        and write the run's JSON document.

        Scenario items and tests using the ``chaos`` fixture both come through here, so every test
        case with a run carries the same properties.
        """
        run = ScenarioRun(
            result=result,
            description=scenario.description,
            source=scenario.source,
            faults=scenario.faults,
            expectations=scenario.expectations,
            nodeid=item.nodeid,
            worker=self.place.worker,
            cluster=self.cluster,
            podchaos_version=__version__,
        )
        item.user_properties.append(("podchaos_namespace", result.namespace))
        item.user_properties.append(("podchaos_duration_s", result.duration_s))
        item.user_properties.extend(run.measurements.properties())
        item.user_properties.append(("podchaos_outcome", run.outcome))
        write_run(self.place.runs_dir, run)
        return run

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Controller only: gather every process's runs into the reports and the metrics exports."""
        if not self.place.controller:
            return
        try:
            runs = read_runs(self.place.runs_dir)
        except PodchaosError as exc:
            self.summary.append(f"podchaos: WARNING cannot read the run documents: {exc}")
            return
        if runs:
            self._write_reports(runs)
        self._export_metrics(runs)

    def _write_reports(self, runs: tuple[ScenarioRun, ...]) -> None:
        report = RunReport(
            run_id=self.place.run_id,
            created_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            podchaos_version=__version__,
            runs=runs,
        )
        try:
            write_report(self.place.run_dir, report)
            html = self.place.run_dir / HTML_FILE
            write_atomically(html, render_html(report))
        except OSError as exc:
            self.summary.append(f"podchaos: WARNING cannot write the report: {exc}")
            return
        self.summary.append(f"podchaos report: {html} ({len(runs)} scenario run(s), run id {report.run_id})")

    def _export_metrics(self, runs: tuple[ScenarioRun, ...]) -> None:
        # Monitoring being down must not fail the chaos tests: say so loudly instead.
        if self.options.metrics_file is not None:
            try:
                metrics.write_textfile(self.options.metrics_file, metrics.build_registry(runs))
                self.summary.append(f"podchaos metrics: wrote {self.options.metrics_file}")
            except PodchaosError as exc:
                self.summary.append(f"podchaos: WARNING {exc}")
        if self.options.pushgateway:
            try:
                metrics.push(self.options.pushgateway, metrics.build_registry(runs), self.place.run_id)
                self.summary.append(
                    f"podchaos metrics: pushed to {self.options.pushgateway} (run_id={self.place.run_id})"
                )
            except PodchaosError as exc:
                self.summary.append(f"podchaos: WARNING {exc}")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Say where the reports went (and what could not be exported)."""
        for line in self.summary:
            terminalreporter.write_line(line, yellow="WARNING" in line)
