"""The local kubelets cap the crash-loop back-off where the release has the setting on by default, and a
kubelet started by an older podchaos gets the cap on the next `up` (pure: configuration text only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podchaos.cluster.local import config
from podchaos.cluster.local.layout import Layout

NODE = Layout(Path("/nonexistent/state"), Path("/nonexistent/run"), Path("/nonexistent/cache")).nodes[0]
CAP = {"maxContainerRestartPeriod": config.CRASH_LOOP_CAP}


def kubelet(version: str) -> dict[str, object]:
    text = config.kubelet(NODE, Path("ca"), Path("crt"), Path("key"), Path("resolv"), version)
    loaded: dict[str, object] = json.loads(text)
    return loaded


@pytest.mark.parametrize("version", ["", "v1.35.4", "1.36.3", "v1.37.2", "v2.0.0"])
def test_from_1_35_the_kubelet_caps_the_back_off(version: str) -> None:
    assert kubelet(version)["crashLoopBackOff"] == CAP
    assert "featureGates" not in kubelet(version)  # beta and on by default: no gate to turn on


@pytest.mark.parametrize("version", ["v1.34.2", "1.32.0", "v1.31.9"])
def test_before_1_35_the_kubelet_would_refuse_the_setting(version: str) -> None:
    # KubeletCrashLoopBackOffMax is alpha and off there; the kubelet rejects the field with the gate off.
    assert "crashLoopBackOff" not in kubelet(version)


def test_an_older_kubelet_configuration_gets_the_cap_once() -> None:
    older = {key: value for key, value in kubelet("v1.35.4").items() if key != "crashLoopBackOff"}
    refreshed = config.refreshed_kubelet(json.dumps(older), "v1.35.4")
    assert refreshed is not None
    assert json.loads(refreshed) == {**older, "crashLoopBackOff": CAP}
    assert config.refreshed_kubelet(refreshed, "v1.35.4") is None
    assert config.refreshed_kubelet(json.dumps(older), "v1.34.2") is None
    assert config.refreshed_kubelet("not json", "v1.35.4") is None
