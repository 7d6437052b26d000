"""A target that matches no pod fails the steady phase naming the pods that do exist, with labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from podchaos.deploy.steady import wait_steady
from podchaos.errors import WaitTimeout, WorkloadNotSteady
from podchaos.model.timeline import PodState

T = TypeVar("T")


class NothingMatches:
    """The steady view of a namespace where the target labels pick no pod."""

    def live_pods(self) -> list[PodState]:
        return []

    def clock(self) -> float:
        return 0.0

    def wait_until(
        self,
        what: str,
        condition: Callable[[], T | None],
        timeout: float,
        last_seen: Callable[[], str] | None = None,
    ) -> T:
        assert condition() is None
        raise WaitTimeout(what, timeout, last_seen() if last_seen else "")


def test_no_matching_pod_names_the_pods_that_exist_and_their_labels() -> None:
    existing = {"web-7d9f": {"app": "webb", "tier": "front"}, "db-0": {"app": "db"}}
    with pytest.raises(WorkloadNotSteady) as info:
        wait_steady(NothingMatches(), "app=web", 5.0, lambda: existing)
    assert str(info.value) == (
        "no pod matches the target labels (app=web) after 5s; "
        "the namespace has: db-0 {app=db}; web-7d9f {app=webb, tier=front}"
    )


def test_an_empty_namespace_says_so_and_without_a_lister_the_timeout_stays() -> None:
    with pytest.raises(WorkloadNotSteady, match="the namespace has no pod at all"):
        wait_steady(NothingMatches(), "app=web", 5.0, dict)
    with pytest.raises(WaitTimeout):
        wait_steady(NothingMatches(), "app=web", 5.0)
