"""Durations as Kubernetes and kubectl write them (Go's syntax: ``1m30s``), in scenario fields, the
JSON schema and the options, parsed by durationpy."""

from __future__ import annotations

import re

import pytest
from test_loader_checks import parse, scenario

from podchaos.k8s.units import GO_DURATION_RE, seconds_of
from podchaos.loader import parse_duration
from podchaos.model.expectations import TerminationDuration
from podchaos.model.faults import NodeDrain


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("1.5", 1.5),
        ("30s", 30.0),
        ("1m30s", 90.0),
        ("1h2m3s", 3723.0),
        ("1.5h", 5400.0),
        ("500ms", 0.5),
        ("2m500ms", 120.5),
        ("1500us", 0.0015),
        ("0s", 0.0),
    ],
)
def test_go_durations_and_plain_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        assert re.match(GO_DURATION_RE, text)


@pytest.mark.parametrize("text", ["", "soon", "-5s", "1d", "2w", "1y", "5 s", "1m30", "s", "1.5.2s", "m1"])
def test_what_go_refuses_is_not_a_duration(text: str) -> None:
    # Days, weeks and years are durationpy's, not Go's: no Kubernetes field takes them.
    assert seconds_of(text) is None


def test_scenario_fields_take_go_durations() -> None:
    loaded = parse(
        scenario(
            fault="{type: node-drain, timeout: 1m30s}",
            expect="{type: termination-duration, atLeast: 1s500ms, atMost: 1m5s}",
        )
    )
    assert loaded.faults == (NodeDrain(timeout=90.0),)
    assert loaded.expectations[1] == TerminationDuration(at_least=1.5, at_most=65.0)
