"""A run that raises something outside the podchaos error tree still ends as a result with outcome error."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from podchaos import cleanup, deploy, runner
from podchaos.catalogue import builtin_scenario_dir
from podchaos.engine import Run, Services
from podchaos.errors import ClusterError
from podchaos.loader import load_scenario
from podchaos.model import RunOutcome
from podchaos.observe import diagnostics


def test_an_unexpected_exception_is_an_errored_result_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deleted: list[str] = []

    def broken_apply(self: Any, manifests: Any) -> None:
        raise KeyError("metadata")

    def delete(kube: Any, namespace: str) -> None:
        deleted.append(namespace)

    monkeypatch.setattr(deploy, "create_namespace", lambda *args: None)
    monkeypatch.setattr(Run, "apply", broken_apply)
    # No cluster here: the hold on the nodes (a Lease) is not what this test is about.
    monkeypatch.setattr(Run, "nodes_held", lambda self, faults: contextlib.nullcontext())
    monkeypatch.setattr(cleanup, "delete_namespace", delete)
    monkeypatch.setattr(diagnostics, "collect", lambda kube, namespace, selector: ("pods: none",))
    scenario = load_scenario(builtin_scenario_dir() / "sidecar-kill.scenario.yaml")

    services = Services(None)  # type: ignore[arg-type]
    result = runner.run_scenario(lambda: services, scenario, runner.RunOptions(run_id="0badcafe"))

    assert result.error == "unexpected KeyError: 'metadata'"
    assert result.outcome is RunOutcome.ERROR
    assert result.faults == scenario.faults
    assert result.target == scenario.workload.target
    assert result.namespace == "pc-sidecar-kill-0badcafe"
    assert deleted == [result.namespace], "the namespace is cleaned up whatever happened"
    trace, evidence = result.diagnostics
    assert trace.startswith("traceback:\n")
    assert "broken_apply" in trace
    assert evidence == "pods: none"


def test_a_cluster_that_cannot_be_reached_is_the_runs_error() -> None:
    scenario = load_scenario(builtin_scenario_dir() / "sidecar-kill.scenario.yaml")

    def unreachable() -> Services:
        raise ClusterError("cannot reach the Kubernetes API")

    result = runner.run_scenario(unreachable, scenario, runner.RunOptions(run_id="0badcafe"))
    assert result.error == "ClusterError: cannot reach the Kubernetes API"
    assert result.namespace == "pc-sidecar-kill-0badcafe"
    assert result.diagnostics == ()
    assert result.expectations == scenario.expectations


def test_a_run_name_becomes_a_valid_label_value() -> None:
    long_name = "test-deleting-the-only-replica-fails-an-expectation-of-no-lost-request"
    assert deploy.label_value(long_name) == "test-deleting-the-only-replica-fails-an-expectation-of-no-lost"
    assert deploy.label_value("tests/test_web.py::test_kill[a b]") == "tests-test_web.py--test_kill-a-b"
