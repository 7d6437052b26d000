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
import inspect
import json
import secrets
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from podchaos import __version__
from podchaos.errors import PodchaosError
from podchaos.pytest_plugin.options import ReportOptions, read_report_options
from podchaos.pytest_plugin.stash import SESSION_KEY

if TYPE_CHECKING:
    from podchaos.cluster.provider import ClusterAccess
    from podchaos.model import ClusterInfo, RunResult, Scenario, ScenarioRun

# Where each process writes its runs, under the run directory.
RUNS_DIR = "runs"

# Run namespaces whose deletion a process could not confirm: ``leftovers-<worker>.json`` there too.
LEFTOVERS_PREFIX = "leftovers-"

RUN_ID_INPUT = "podchaos_run_id"
REPORT_DIR_INPUT = "podchaos_report_dir"


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


def new_report_id() -> str:
    """A sortable, unique id of one pytest run (all its xdist workers): UTC time plus a random suffix.

    Not a run namespace's id (:func:`podchaos.deploy.new_run_id`): one report id covers many runs.
    """
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
        return RunPlace(new_report_id(), options.report_dir, worker="", controller=True)
    return RunPlace(
        run_id=str(workerinput.get(RUN_ID_INPUT) or new_report_id()),
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
        self.cluster: ClusterInfo | None = None
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
        self, item: pytest.Item, scenario: Scenario | None, result: RunResult
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
        from podchaos.model import ClusterInfo

        version = ""
        # The version is optional metadata: a report without it is still a report.
        with contextlib.suppress(PodchaosError):
            version = config.stash[SESSION_KEY].kube().server_version()
        self.cluster = ClusterInfo(access.provider, access.description, version)

    def record_run(self, item: pytest.Item, scenario: Scenario | None, result: RunResult) -> ScenarioRun:
        """Add the run's outcome, namespace, duration and recovery times to the item's JUnit properties
        and write the run's JSON document.

        Scenario items and tests using the ``chaos`` fixture both come through here, so every test
        case with a run carries the same properties.
        """
        from podchaos.model import ClusterInfo, ScenarioRun
        from podchaos.report.files import write_run

        if scenario is not None:
            description, source = scenario.description, scenario.source
        else:
            # A test using the chaos fixture: its docstring's first paragraph describes it.
            function = getattr(item, "function", None)
            doc = inspect.getdoc(function) if function is not None else None
            description, source = (doc or "").split("\n\n")[0], str(item.path)
        run = ScenarioRun(
            result=result,
            description=description,
            source=source,
            nodeid=item.nodeid,
            worker=self.place.worker,
            cluster=self.cluster or ClusterInfo(),
            podchaos_version=__version__,
            repetition=int(getattr(item, "repetition", 0)),
            repetitions=scenario.repetitions if scenario is not None else (),
        )
        item.user_properties.append(("podchaos_namespace", result.namespace))
        item.user_properties.append(("podchaos_duration_s", result.duration_s))
        item.user_properties.extend(result.measurements.properties())
        item.user_properties.append(("podchaos_outcome", run.outcome.value))
        write_run(self.place.runs_dir, run)
        return run

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Every process confirms its runs' namespaces are gone; then the controller (which runs this
        after every xdist worker finished) gathers the runs into the reports and metrics."""
        self.confirm_cleanup()
        self.gather(session)

    def confirm_cleanup(self) -> None:
        """Confirm this process's run namespaces are gone (the runs did not wait for that); the ones
        that are not are written down for the controller, which fails the session for them."""
        podchaos_session = self.config.stash.get(SESSION_KEY, None)
        if podchaos_session is None:
            return
        try:
            leftovers = podchaos_session.finish()
        except PodchaosError as exc:
            self.summary.append(f"podchaos: WARNING cannot confirm the run namespaces are gone: {exc}")
            leftovers = ("(unconfirmed)",)
        if leftovers:
            name = f"{LEFTOVERS_PREFIX}{self.place.worker or 'main'}.json"
            with contextlib.suppress(OSError):
                self.place.run_dir.mkdir(parents=True, exist_ok=True)
                (self.place.run_dir / name).write_text(json.dumps(list(leftovers)))

    def gather(self, session: pytest.Session) -> None:
        """Controller only: gather every process's runs into the reports and the metrics exports; a
        namespace any process left behind fails the session ("nothing left behind" is guaranteed)."""
        if not self.place.controller:
            return
        leftovers = self._leftovers()
        if leftovers:
            self.summary.append(
                f"podchaos: WARNING namespaces left behind ({', '.join(leftovers)}): run `podchaos sweep`"
            )
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        try:
            runs = self._runs()
        except PodchaosError as exc:
            self.summary.append(f"podchaos: WARNING cannot read the run documents: {exc}")
            return
        if runs:
            self._write_reports(runs, leftovers)
            self._judge_repetitions(session, runs)
        self._export_metrics(runs)
        if any(run.result.error for run in runs):
            self._export_cluster_logs()

    def _export_cluster_logs(self) -> None:
        """A run that errored: the cluster's own logs (kind's) go next to the reports."""
        podchaos_session = self.config.stash.get(SESSION_KEY, None)
        line = podchaos_session.export_cluster_logs() if podchaos_session is not None else None
        if line is not None:
            self.summary.append(line)

    def _judge_repetitions(self, session: pytest.Session, runs: tuple[ScenarioRun, ...]) -> None:
        """Scenarios run more than once: their distribution in the summary; an expectation over the
        repetitions that did not hold fails the session (once every run has ended, on every worker)."""
        from podchaos.report.repetitions import group_runs

        groups = group_runs(runs)
        if not groups:
            return
        self.summary.append("podchaos repetitions (nearest-rank percentiles, seconds after the first fault):")
        for group in groups:
            self.summary.extend(f"  {line}" for line in group.lines())
        failed = [group.scenario for group in groups if not group.passed]
        if failed:
            self.summary.append(
                f"podchaos: WARNING expectations over repetitions failed: {', '.join(failed)}"
            )
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _runs(self) -> tuple[ScenarioRun, ...]:
        # A session that ran no scenario wrote nothing: it does not pay for importing the report code.
        if not self.place.runs_dir.is_dir():
            return ()
        from podchaos.report.files import read_runs

        return read_runs(self.place.runs_dir)

    def _leftovers(self) -> tuple[str, ...]:
        names: list[str] = []
        for path in sorted(self.place.run_dir.glob(f"{LEFTOVERS_PREFIX}*.json")):
            with contextlib.suppress(OSError, ValueError):
                names.extend(str(name) for name in json.loads(path.read_text()))
        return tuple(sorted(names))

    def _write_reports(self, runs: tuple[ScenarioRun, ...], leftovers: tuple[str, ...]) -> None:
        from podchaos.model import RunReport
        from podchaos.report.files import write_reports

        report = RunReport(
            run_id=self.place.run_id,
            created_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            podchaos_version=__version__,
            runs=runs,
            leftovers=leftovers,
        )
        try:
            html = write_reports(self.place.run_dir, report)
        except OSError as exc:
            self.summary.append(f"podchaos: WARNING cannot write the report: {exc}")
            return
        self.summary.append(f"podchaos report: {html} ({len(runs)} scenario run(s), run id {report.run_id})")

    def _export_metrics(self, runs: tuple[ScenarioRun, ...]) -> None:
        if self.options.metrics_file is None and not self.options.pushgateway:
            return
        from podchaos.report import metrics

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
