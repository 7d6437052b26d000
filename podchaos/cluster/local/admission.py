"""The runner's admission policy (see :mod:`podchaos.model.admission`), installed in the local cluster
for the ServiceAccount ``podchaos rbac`` binds by default, so a runner given that account here is held
to podchaos's namespaces as on any cluster where the printed YAML was applied."""

from __future__ import annotations

from podchaos.cluster.local.apiclient import AdminClient
from podchaos.model.admission import (
    BINDING_COLLECTION,
    DEFAULT_SERVICE_ACCOUNT,
    POLICY_COLLECTION,
    runner_policy,
)

POLICY_NAME = "podchaos"  # the name ``podchaos rbac`` gives by default


def install_runner_policy(admin: AdminClient) -> None:
    """Create (or replace) the policy and its binding."""
    policy, binding = runner_policy(DEFAULT_SERVICE_ACCOUNT, POLICY_NAME)
    admin.apply(POLICY_COLLECTION, policy)
    admin.apply(BINDING_COLLECTION, binding)
