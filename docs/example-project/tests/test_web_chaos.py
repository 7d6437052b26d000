"""A chaos test in Python, with podchaos's ``chaos`` fixture, for what a scenario file does not say."""

from __future__ import annotations

from typing import Any

from podchaos.model import LastTerminated, PodReady, RestartCount


def test_the_log_shipper_stopped_with_sigterm_restarts_alone(
    chaos: Any, web_manifests: list[dict[str, Any]]
) -> None:
    chaos.apply(web_manifests)
    with chaos.record(app="web") as run:
        run.kill_container("log-shipper", "SIGTERM")
        verdict = run.expect(
            RestartCount("log-shipper", 1),
            RestartCount("server", 0),
            LastTerminated("log-shipper", reason="Error", exit_code=143),
            PodReady(within=30),
        )
    assert verdict.passed, run.explain(verdict)
