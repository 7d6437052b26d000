"""File tokens on the real cluster: written and read back from the node, in the container's own root,
so an image without a shell keeps or loses its emptyDir like any other; exec in the container only
where the node agent cannot run, which a shell-less image cannot answer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from podchaos.engine import Services
from podchaos.inject.agent import AgentPool
from podchaos.k8s.client import Kube
from podchaos.loader import load_scenario
from podchaos.model import FileToken, RunResult
from podchaos.model.expectations import EmptyDirKept, EmptyDirLost
from podchaos.model.verdict import Outcome
from podchaos.runner import run_scenario
from podchaos.verdict import judge_all

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
# No namespace of that name exists, so the agent pod cannot be created: a cluster where it cannot run.
NOWHERE = "pc-no-such-namespace"


def run(services: Services, name: str) -> RunResult:
    result = run_scenario(lambda: services, load_scenario(SCENARIOS / f"{name}.scenario.yaml"))
    assert not result.error, result.error
    return result


def seen(result: RunResult) -> dict[str, tuple[Outcome, str]]:
    return {r.expectation.type: (r.outcome, r.seen) for r in result.verdict.results}


def ways(result: RunResult) -> set[str]:
    return {token.via for token in result.timeline.of_type(FileToken)}


def judged_lost(result: RunResult, container: str, path: str) -> tuple[Outcome, str]:
    """The wrong variant, emptydir-lost, judged on the run's own timeline as the run ended."""
    end = max(entry.at for entry in result.timeline.entries)
    verdict = judge_all((EmptyDirLost(container, path),), result.timeline, end, final=True)
    return verdict.results[0].outcome, verdict.results[0].seen


def test_a_shellless_container_keeps_its_emptydir_seen_from_the_node(kube: Kube) -> None:
    result = run(Services(kube), "shellless-emptydir-kept")
    assert result.passed, seen(result)
    assert ways(result) == {"node agent"}
    # The token is still there, so "lost" fails.
    outcome, said = judged_lost(result, "app", "/data/podchaos-token")
    assert outcome is Outcome.FAILED
    assert said.startswith("same content in the same pod minimal-store")


def test_without_the_agent_tokens_go_through_exec_which_needs_a_shell(kube: Kube) -> None:
    nowhere = Services(kube, agents=AgentPool(kube, NOWHERE))
    with_shell = run(nowhere, "emptydir-lost-on-recreate")
    assert with_shell.passed, seen(with_shell)
    (way,) = ways(with_shell)
    assert way.startswith("exec (node agent unavailable: ")
    assert NOWHERE in way

    shellless = run(nowhere, "shellless-emptydir-lost-on-recreate")
    outcome, said = seen(shellless)["emptydir-lost"]
    assert outcome is Outcome.FAILED
    assert said.startswith("podchaos could not write /scratch/podchaos-token before the fault: ")


def test_a_directory_the_container_lacks_fails_the_write_from_the_node(kube: Kube) -> None:
    """The node writes in the container's root only: a directory the container does not have is an
    error naming the node's answer (never an absent file), next to a passing check of the same run."""
    scenario = load_scenario(SCENARIOS / "shellless-emptydir-kept.scenario.yaml")
    elsewhere = EmptyDirKept("app", "/nonexistent-dir/podchaos-token")
    changed = dataclasses.replace(scenario, expectations=(*scenario.expectations, elsewhere))
    result = run_scenario(lambda: Services(kube), changed)
    assert not result.error, result.error
    outcome, said = next((r.outcome, r.seen) for r in result.verdict.results if r.expectation == elsewhere)
    assert seen(result)["restart-count"][0] is Outcome.PASSED
    assert outcome is Outcome.FAILED
    assert said.startswith("podchaos could not write /nonexistent-dir/podchaos-token before the fault: ")


def test_a_memory_emptydir_outlives_a_container_restart(kube: Kube) -> None:
    """The seed's web server with a content writer, its page on tmpfs: the killed server comes back to
    the same files; "lost" judged on the same timeline fails."""
    result = run(Services(kube), "web-content-writer-tmpfs")
    assert result.passed, seen(result)
    assert ways(result) == {"node agent"}
    outcome, said = judged_lost(result, "web", "/www/podchaos-token")
    assert outcome is Outcome.FAILED
    assert said.startswith("same content in the same pod bulletin")
