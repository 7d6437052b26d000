"""Run one scenario file through the engine: deploy -> steady -> inject -> observe -> verdict, with
cleanup always."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from podchaos.engine import Run, Services
from podchaos.engine.attach import attachment_of, restore_mark
from podchaos.engine.endpoints import endpoint_wait
from podchaos.inject import tokens
from podchaos.model import RunResult, Scenario


@dataclass(frozen=True)
class RunOptions:
    """How to run: keep the namespace for debugging, a fixed run id, the namespaces an attached
    scenario may touch (``--podchaos-allow-namespace``)."""

    keep_namespace: bool = False
    run_id: str = ""
    allowed_namespaces: tuple[str, ...] = ()


def run_scenario(
    connect: Callable[[], Services], scenario: Scenario, options: RunOptions | None = None
) -> RunResult:
    """Run one scenario in its own namespace; the namespace is deleted afterwards whatever happens.

    Whatever goes wrong, a cluster that cannot be reached included, becomes the result's error.
    """
    options = options or RunOptions()
    workload = scenario.workload
    mark = restore_mark(workload.namespace, workload.target_selector, scenario.faults, scenario.expectations)
    attach = attachment_of(workload.namespace, options.allowed_namespaces, workload.blast, mark)
    run = Run(
        scenario.name, connect, run_id=options.run_id, keep_namespace=options.keep_namespace, attach=attach
    )
    try:
        with run.errors_recorded():
            run.open()
            with run.nodes_held(scenario.faults) as hold:
                # An attached workload already runs: nothing is deployed (its manifests are none).
                run.apply([manifest.to_dict() for manifest in workload.manifests])
                first = scenario.faults[0].when
                with run.record(
                    scenario.workload.target,
                    scenario.steady_timeout,
                    scenario.traffic,
                    until_ready=first is None or not first.before_ready,
                    endpoints=endpoint_wait(scenario.expectations, scenario.traffic),
                ) as recording:
                    hold.release_when_steady(scenario.faults, recording.targets)
                    for container, path in tokens.file_checks(scenario.expectations):
                        recording.write_token(container, path)
                    for spec in scenario.faults:
                        recording.inject(spec)
                    recording.observe(scenario.expectations, scenario.observe_timeout, scenario.settle)
            run.explain_failures()
    finally:
        with run.errors_recorded():
            run.close()
    return _result(run, scenario)


def errored_result(scenario: Scenario, options: RunOptions, exc: BaseException) -> RunResult:
    """The result of a run that raised instead of finishing (a bug that escaped the runner): no
    verdict, the exception as its error, the namespace it used (or would have used) named."""

    def unreachable() -> Services:
        raise AssertionError("an errored run does not connect")

    run = Run(scenario.name, unreachable, run_id=options.run_id)
    run.fail(exc)
    return _result(run, scenario)


def _result(run: Run, scenario: Scenario) -> RunResult:
    """The run's result, with what the scenario asked even when the run did not get to do it."""
    return run.result(
        faults=scenario.faults,
        expectations=scenario.expectations,
        target=scenario.workload.target,
        traffic=scenario.traffic,
        notes=scenario.workload.notes,
    )
