"""--podchaos-dry-run: every scenario item prints its plan and is skipped with the plan as the reason
(a dry-run setting left in CI must not show green), and nothing reaches a cluster: no
provider is even made (the conftest makes making one, or any API connection, fail the session)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import ScenarioFiles

NO_PROVIDER = """
import podchaos.k8s.client
import podchaos.pytest_plugin.session


def _refuse(*args, **kwargs):
    raise RuntimeError("a dry run reached for the cluster")


podchaos.pytest_plugin.session.provider_for = _refuse
podchaos.k8s.client.Kube.from_kubeconfig = _refuse
"""

CHAOS_TEST = """
def test_uses_the_cluster(chaos):
    raise AssertionError("must not run under a dry run")
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_dry_run_prints_the_plan_and_touches_nothing(
    pytester: pytest.Pytester, scenario_files: ScenarioFiles, workers: list[str]
) -> None:
    directory = scenario_files.write("web-kill", "web-kill-again")
    pytester.makeconftest(NO_PROVIDER)
    pytester.makepyfile(test_chaos=CHAOS_TEST)
    result = pytester.runpytest_subprocess(
        "--podchaos-builtin=no",
        f"--podchaos-scenario-dir={directory}",
        "--podchaos-dry-run",
        "--junitxml=junit.xml",
        *workers,
    )
    result.assert_outcomes(skipped=3)
    junit = (pytester.path / "junit.xml").read_text()
    assert junit.count('<skipped type="pytest.skip" message="dry run, nothing ran: scenario web-kill') == 2
    result.stdout.fnmatch_lines(
        [
            "*podchaos plan (dry run: no cluster was used)*",
            "scenario web-kill *",
            "  objects to create:",
            "    Pod/web",
            "  target: pods labelled app=web",
            "    1. container-kill: container c of a pod labelled app=web (signal=SIGKILL repeat=1)",
            "    - restart-count: container=c delta=1",
            "  traffic probe: none",
            "  permissions needed:",
            "*create get*pods/exec",
            "    privileged hostPID pods (the node agent)",
        ]
    )
    assert "reached for the cluster" not in result.stdout.str() + result.stderr.str()
    assert not (pytester.path / "reports").exists()


def test_dry_run_from_the_ini_file(pytester: pytest.Pytester, scenario_files: ScenarioFiles) -> None:
    directory = scenario_files.write("web-kill")
    pytester.makeconftest(NO_PROVIDER)
    pytester.makeini(
        f"[pytest]\npodchaos_dry_run = yes\npodchaos_builtin = no\npodchaos_scenario_dirs = {directory}\n"
    )
    result = pytester.runpytest_subprocess("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]1[]] my-scenarios/web-kill.scenario.yaml:1: dry run, nothing ran: scenario web-kill *"]
    )
    result.stdout.fnmatch_lines(["scenario web-kill *"])
