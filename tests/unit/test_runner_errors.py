"""A run that raises something outside the podchaos error tree still ends as a result with outcome error."""

from __future__ import annotations

from typing import Any

import pytest

from podchaos import cleanup, deploy, diagnostics, runner
from podchaos.catalogue import builtin_scenario_dir
from podchaos.loader import load_scenario
from podchaos.measure import run_outcome


def test_an_unexpected_exception_is_an_errored_result_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deleted: list[str] = []

    def broken_create(kube: Any, namespace: str, scenario_name: str, run_id: str) -> None:
        raise KeyError("metadata")

    def delete(kube: Any, namespace: str) -> None:
        deleted.append(namespace)

    monkeypatch.setattr(deploy, "create_namespace", broken_create)
    monkeypatch.setattr(cleanup, "delete_namespace", delete)
    monkeypatch.setattr(diagnostics, "collect", lambda kube, namespace, selector: ("pods: none",))
    scenario = load_scenario(builtin_scenario_dir() / "sidecar-kill.yaml")

    result = runner.run_scenario(None, scenario, runner.RunOptions(run_id="0badcafe"))  # type: ignore[arg-type]

    assert result.error == "unexpected KeyError: 'metadata'"
    assert run_outcome(result) == "error"
    assert result.namespace == "pc-sidecar-kill-0badcafe"
    assert deleted == [result.namespace], "the namespace is cleaned up whatever happened"
    trace, evidence = result.diagnostics
    assert trace.startswith("traceback:\n")
    assert "broken_create" in trace
    assert evidence == "pods: none"
