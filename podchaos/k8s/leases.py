"""Lease calls, the cluster-wide holds runs take so they do not disturb each other (see
:mod:`podchaos.inject.holds`). A mixin of :class:`~podchaos.k8s.client.Kube`, kept apart so the client
stays one screenful per concern."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubernetes import client

from podchaos.errors import ObjectNotFound
from podchaos.k8s.translate import CallPolicy

MANAGED_BY = {"app.kubernetes.io/managed-by": "podchaos"}


@dataclass(frozen=True)
class LeaseInfo:
    """One Lease as the holds read it: who holds it, for how much longer, at which version."""

    name: str
    holder: str
    seconds_left: float
    version: str


def _info(lease: Any) -> LeaseInfo:
    spec = lease.spec
    now = datetime.datetime.now(datetime.UTC)
    renewed = spec.renew_time or spec.acquire_time or now
    expires = renewed + datetime.timedelta(seconds=spec.lease_duration_seconds or 0)
    return LeaseInfo(
        str(lease.metadata.name),
        str(spec.holder_identity or ""),
        (expires - now).total_seconds(),
        str(lease.metadata.resource_version),
    )


class LeaseCalls:
    """Create, read, list, renew and delete Leases, through the connection's call policy."""

    policy: CallPolicy
    _coordination: client.CoordinationV1Api

    def create_lease(
        self,
        namespace: str,
        name: str,
        holder: str,
        duration_s: int,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """Create a Lease held by ``holder``; Conflict when it already exists."""
        now = datetime.datetime.now(datetime.UTC)
        body = client.V1Lease(
            metadata=client.V1ObjectMeta(name=name, labels={**MANAGED_BY, **(labels or {})}),
            spec=client.V1LeaseSpec(
                holder_identity=holder, lease_duration_seconds=duration_s, acquire_time=now, renew_time=now
            ),
        )
        # A Conflict on a retry is not ours to claim: whoever holds it is read back by the caller.
        self.policy.call(
            f"create lease {namespace}/{name}",
            lambda: self._coordination.create_namespaced_lease(namespace, body),
        )

    def lease_holder(self, namespace: str, name: str) -> tuple[str, float, str]:
        """(holder, seconds until it expires, resourceVersion) of a Lease; ObjectNotFound when absent."""
        info = _info(
            self.policy.call(
                f"read lease {namespace}/{name}",
                lambda: self._coordination.read_namespaced_lease(name, namespace),
            )
        )
        return info.holder, info.seconds_left, info.version

    def leases_labelled(self, namespace: str, selector: str) -> list[LeaseInfo]:
        """The Leases in ``namespace`` carrying the labels of ``selector`` (a consistent read)."""
        found: Any = self.policy.call(
            f"list leases {namespace} {selector}",
            lambda: self._coordination.list_namespaced_lease(namespace, label_selector=selector),
        )
        return [_info(lease) for lease in found.items]

    def renew_lease(self, namespace: str, name: str, holder: str) -> bool:
        """Move the renew time of a Lease ``holder`` holds to now; False when it is gone or someone else
        holds it (an update at the version read, so a Lease taken over meanwhile is never renewed)."""
        try:
            lease: Any = self.policy.call(
                f"read lease {namespace}/{name}",
                lambda: self._coordination.read_namespaced_lease(name, namespace),
            )
        except ObjectNotFound:
            return False
        if lease.spec.holder_identity != holder:
            return False
        lease.spec.renew_time = datetime.datetime.now(datetime.UTC)
        self.policy.call(
            f"renew lease {namespace}/{name}",
            lambda: self._coordination.replace_namespaced_lease(name, namespace, lease),
        )
        return True

    def delete_lease(self, namespace: str, name: str, resource_version: str = "") -> None:
        """Delete a Lease (only at ``resource_version`` when given); ObjectNotFound when it is gone."""
        preconditions = (
            client.V1Preconditions(resource_version=resource_version) if resource_version else None
        )
        self.policy.change(
            f"delete lease {namespace}/{name}",
            lambda: self._coordination.delete_namespaced_lease(
                name, namespace, body=client.V1DeleteOptions(preconditions=preconditions)
            ),
            ObjectNotFound,
        )
