"""Plain tests of the web tier's manifests: no cluster needed."""

from __future__ import annotations

from typing import Any


def test_the_web_tier_runs_two_replicas(web_manifests: list[dict[str, Any]]) -> None:
    (deployment,) = [m for m in web_manifests if m["kind"] == "Deployment"]
    assert deployment["spec"]["replicas"] == 2


def test_the_service_selects_the_pods(web_manifests: list[dict[str, Any]]) -> None:
    (service,) = [m for m in web_manifests if m["kind"] == "Service"]
    (deployment,) = [m for m in web_manifests if m["kind"] == "Deployment"]
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
