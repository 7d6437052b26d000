"""The README's examples run: each library example as a real test on the cluster; the scenario example
is the catalogue's sidecar-kill, and the traffic section is a valid one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from podchaos.cluster.local.layout import Layout
from podchaos.loader import load_scenario, parse_scenario

# Read at import, before pytester points HOME at a temporary directory (Layout.default() follows HOME).
BUILD_CACHE = Layout.default().cache

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.e2e
@pytest.mark.parametrize("example", blocks("python"), ids=lambda block: block.split("def test_")[1][:40])
def test_library_example_passes_on_the_cluster(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, example: str
) -> None:
    # pytester points HOME at a temporary directory; keep the cluster's build cache where it is.
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(BUILD_CACHE))
    pytester.makepyfile(test_readme_example=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_scenario_example_is_the_catalogue_sidecar_kill() -> None:
    (example,) = [block for block in blocks("yaml") if block.startswith("name: sidecar-kill")]
    data = yaml.safe_load(example)
    real = load_scenario(ROOT / "scenarios" / "sidecar-kill.scenario.yaml")
    assert data["workload"]["target"] == dict(real.workload.target)
    data["workload"]["manifests"] = [m.to_dict() for m in real.workload.manifests]
    documented = parse_scenario(yaml.safe_dump(data), "README.md")
    assert documented.faults == real.faults
    assert documented.expectations == real.expectations
    assert (documented.steady_timeout, documented.observe_timeout) == (
        real.steady_timeout,
        real.observe_timeout,
    )


def test_traffic_example_is_a_valid_traffic_section() -> None:
    (example,) = [block for block in blocks("yaml") if block.startswith("traffic:")]
    graceful = (ROOT / "scenarios" / "traffic-graceful-shutdown.scenario.yaml").read_text()
    documented = yaml.safe_load(graceful)
    documented["traffic"] = yaml.safe_load(example)["traffic"]
    scenario = parse_scenario(yaml.safe_dump(documented), "README.md")
    assert scenario.traffic is not None
    assert (scenario.traffic.target, scenario.traffic.rate, scenario.traffic.steady) == ("web:80", 20.0, 3.0)
