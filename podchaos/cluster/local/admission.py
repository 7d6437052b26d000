"""The runner's admission policy (see :mod:`podchaos.model.admission`), installed in the local cluster
for the ServiceAccount ``podchaos rbac`` binds by default, so a runner given that account here is held
to podchaos's namespaces as on any cluster where the printed YAML was applied."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from podchaos.cluster.local.apiclient import AdminClient
from podchaos.errors import ClusterSetupError
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
    _apply(admin, POLICY_COLLECTION, policy)
    _apply(admin, BINDING_COLLECTION, binding)


def _apply(admin: AdminClient, collection: str, manifest: dict[str, Any]) -> None:
    """Create, or replace at the version read: these kinds refuse an update without one (and
    AdminClient.apply sends none), and a create with one."""
    named = f"{collection}/{manifest['metadata']['name']}"
    status, body = admin.get(named)
    if status != 200:
        admin.apply(collection, manifest)
        return
    current = json.loads(body)
    if current.get("spec") == manifest["spec"]:
        return  # as wanted already: the usual case, on every up of a running cluster
    metadata = {**manifest["metadata"], "resourceVersion": current["metadata"]["resourceVersion"]}
    request = urllib.request.Request(
        admin.server + named,
        json.dumps({**manifest, "metadata": metadata}).encode(),
        {"Content-Type": "application/json"},
        method="PUT",
    )
    try:
        with urllib.request.urlopen(request, context=admin.context, timeout=5.0):
            pass
    except (urllib.error.URLError, OSError) as error:
        raise ClusterSetupError(f"could not update {named}: {error}") from error
