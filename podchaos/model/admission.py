"""What RBAC cannot say, enforced by the cluster: a ValidatingAdmissionPolicy (with its binding) that
``podchaos rbac`` prints next to the roles and the local cluster installs. Pure data: the objects as
the API takes them.

RBAC grants namespaces ``delete`` and pods ``create`` cluster-wide, because every run makes a
namespace of its own; it cannot narrow that to *podchaos's* namespaces. The policy does, for requests
from the runner's identity only:

- a namespace may be deleted only when it carries ``app.kubernetes.io/managed-by=podchaos``;
- a privileged pod (privileged container, hostPID, or a hostPath volume: what the node agent needs)
  may be created only in the agents' namespace (managed by podchaos, ``podchaos.io/scenario=agents``).

The API server evaluates it (CEL); nothing runs in the cluster.
"""

from __future__ import annotations

from typing import Any

# The labels every namespace podchaos creates carries (podchaos.deploy.namespace sets them; a unit
# test keeps the two equal), and the scenario label of the pytest session's agents' namespace.
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "podchaos"
SCENARIO_LABEL = "podchaos.io/scenario"
AGENTS_SCENARIO = "agents"
DEFAULT_SERVICE_ACCOUNT = "podchaos/podchaos"
POLICY_COLLECTION = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies"
BINDING_COLLECTION = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings"

_PRIVILEGED = " || ".join(
    (
        "(has(object.spec.hostPID) && object.spec.hostPID)",
        "(has(object.spec.volumes) && object.spec.volumes.exists(v, has(v.hostPath)))",
        *(
            f"(has(object.spec.{kind}) && object.spec.{kind}.exists(c, has(c.securityContext) && "
            "has(c.securityContext.privileged) && c.securityContext.privileged))"
            for kind in ("containers", "initContainers", "ephemeralContainers")
        ),
    )
)


def _labelled(obj: str, key: str, value: str) -> str:
    labels = f"{obj}.metadata.labels"
    return f"(has({labels}) && '{key}' in {labels} && {labels}['{key}'] == '{value}')"


def service_account_user(service_account: str) -> str:
    """The user name a ServiceAccount ``namespace/name`` (or ``name``, in default) authenticates as."""
    namespace, _, name = service_account.partition("/")
    return f"system:serviceaccount:{namespace if name else 'default'}:{name or namespace}"


def runner_policy(service_account: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The policy ``<name>-limits`` for the runner's ServiceAccount, and its binding (deny)."""
    agents = _labelled("namespaceObject", MANAGED_BY_LABEL, MANAGED_BY)
    agents += " && " + _labelled("namespaceObject", SCENARIO_LABEL, AGENTS_SCENARIO)
    user = service_account_user(service_account)
    labels = {MANAGED_BY_LABEL: MANAGED_BY}
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": f"{name}-limits", "labels": labels},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": [
                    {"apiGroups": [""], "apiVersions": ["v1"], "operations": [op], "resources": [res]}
                    for op, res in (("DELETE", "namespaces"), ("CREATE", "pods"))
                ]
            },
            "matchConditions": [
                {"name": "the-runner", "expression": f"request.userInfo.username == '{user}'"}
            ],
            "validations": [
                {
                    "expression": "request.resource.resource != 'namespaces' || "
                    + _labelled("oldObject", MANAGED_BY_LABEL, MANAGED_BY),
                    "message": f"podchaos deletes only the namespaces it created ({MANAGED_BY_LABEL}="
                    f"{MANAGED_BY})",
                    "reason": "Forbidden",
                },
                {
                    "expression": f"request.resource.resource != 'pods' || !({_PRIVILEGED}) || ({agents})",
                    "message": "podchaos creates privileged pods only in its agents' namespace "
                    f"({SCENARIO_LABEL}={AGENTS_SCENARIO})",
                    "reason": "Forbidden",
                },
            ],
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": f"{name}-limits", "labels": labels},
        "spec": {"policyName": f"{name}-limits", "validationActions": ["Deny"]},
    }
    return policy, binding
