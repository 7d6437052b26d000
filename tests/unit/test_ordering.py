"""Longest scenarios first under xdist: the expected durations order the catalogue (pure)."""

from __future__ import annotations

from podchaos.catalogue import builtin_scenario_dir, discover
from podchaos.engine.plan import expected_seconds
from podchaos.loader import load_scenario
from podchaos.verdict.backoff import total_wait


def test_the_crash_loop_back_off_is_what_takes_longest() -> None:
    assert total_wait(1) == 0.0
    assert total_wait(3) == 30.0  # immediate, 10 s, 20 s
    assert total_wait(40) == 300.0 * 34 + 10 + 20 + 40 + 80 + 160  # capped at 300 s
    assert total_wait(4, cap=20.0) == 10 + 20 + 20
    assert total_wait(3, cap=4.0) == 4 + 4  # a cap below the first wait is the first wait


def test_the_catalogue_starts_with_its_longest_scenarios() -> None:
    catalogue = {name: load_scenario(path) for name, path in discover([builtin_scenario_dir()]).items()}
    ranked = sorted(catalogue, key=lambda name: -expected_seconds(catalogue[name]))
    assert ranked[:2] == ["crashloop-backoff-cap", "crashloop-backoff"]
    assert expected_seconds(catalogue["pod-delete-force"]) < expected_seconds(
        catalogue["node-drain-with-pdb"]
    )
