"""A run's namespace is used once its default ServiceAccount exists (the controller-manager makes it,
seconds late just after a control-plane restart)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import pytest

from podchaos.deploy import namespace as deploy
from podchaos.errors import ClusterError
from podchaos.k8s.client import Kube


class AccountsKube:
    """Creates namespaces; their default account appears after ``lag`` reads."""

    def __init__(self, lag: int) -> None:
        self.lag = lag
        self.created: list[str] = []
        self.reads = 0

    def create_namespace(
        self, name: str, labels: Mapping[str, str], annotations: Mapping[str, str] | None = None
    ) -> None:
        self.created.append(name)

    def service_account_exists(self, namespace: str, name: str) -> bool:
        assert (namespace, name) == (self.created[-1], "default")
        self.reads += 1
        return self.reads > self.lag


def test_create_namespace_returns_once_the_default_account_exists() -> None:
    kube = AccountsKube(lag=3)
    deploy.create_namespace(cast(Kube, kube), "pc-x-1", "x", "1")
    assert kube.created == ["pc-x-1"]
    assert kube.reads == 4


def test_a_namespace_that_never_gets_its_account_is_a_cluster_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "SERVICE_ACCOUNT_TIMEOUT_S", 0.5)
    with pytest.raises(
        ClusterError, match=r"no default ServiceAccount after 0\.5s: is the kube-controller-manager"
    ):
        deploy.create_namespace(cast(Kube, AccountsKube(lag=10**6)), "pc-x-1", "x", "1")
