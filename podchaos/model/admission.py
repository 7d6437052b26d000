"""What RBAC cannot say, enforced by the cluster: a ValidatingAdmissionPolicy (with its binding) that
``podchaos rbac`` prints next to the roles and the local cluster installs. Pure data: the objects as
the API takes them.

RBAC grants namespaces ``delete``, pods ``create`` and ``delete``, pods/exec and pods/eviction
cluster-wide, because every run makes a namespace of its own (and one for its node agents), named per
run; it cannot narrow that to *podchaos's* namespaces. The policy does, for requests from the runner's
identity only:

- a namespace may be deleted only when it carries ``app.kubernetes.io/managed-by=podchaos``;
- a privileged pod (privileged container, hostPID, or a hostPath volume: what the node agent needs)
  may be created only in the agents' namespace (managed by podchaos, ``podchaos.io/scenario=agents``);
- a pod may be deleted (DELETE pods, deletecollection included: the API admits each pod's delete),
  evicted (CREATE pods/eviction) or exec'd into (CONNECT pods/exec) only in a namespace labelled
  ``app.kubernetes.io/managed-by=podchaos`` or in one of the attached namespaces the policy is made
  for (``podchaos rbac --namespace NS``); with none, only in podchaos's own.

The API server evaluates it (CEL); nothing runs in the cluster. It sees CONNECT: the apiserver's
connect handler (``k8s.io/apiserver`` ``pkg/endpoints/handlers/rest.go``, ``ConnectResource``) runs
validating admission with operation CONNECT, the pods resource and subresource ``exec``, and the policy
plugin (``pkg/admission/plugin/policy/validating/plugin.go``) handles CONNECT as well as CREATE,
UPDATE and DELETE. Limits: a CONNECT cannot be a dry run (that handler refuses ``dryRun``), and
podchaos uses no pods/attach or pods/portforward (nor grants them), so the policy leaves those out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
NAMESPACE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
"""A namespace name (an RFC 1123 DNS label): what may stand in the policy's expressions."""

# The requests the policy is asked about: (operations, resources).
MATCHED = (
    (("DELETE",), ("namespaces", "pods")),
    (("CREATE",), ("pods", "pods/eviction")),
    (("CONNECT",), ("pods/exec",)),
)
# The pod actions confined to podchaos's and the attached namespaces, by subresource ("": the pod).
CONFINED_SUBRESOURCES = ("eviction", "exec")

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


def _variables() -> list[dict[str, str]]:
    """Named expressions the validations share (evaluated only where used)."""
    return [
        # The API leaves an empty subResource out of the request, and reading it then is an error.
        {"name": "subresource", "expression": "has(request.subResource) ? request.subResource : ''"},
        {
            "name": "podAction",
            "expression": "request.resource.resource == 'pods' && (request.operation == 'DELETE' || "
            f"variables.subresource in {list(CONFINED_SUBRESOURCES)!r})",
        },
        {"name": "own", "expression": _labelled("namespaceObject", MANAGED_BY_LABEL, MANAGED_BY)},
    ]


def confined_where(attached: Sequence[str]) -> str:
    """Where the runner may delete, evict and exec into pods, in words."""
    own = f"its own namespaces ({MANAGED_BY_LABEL}={MANAGED_BY})"
    return f"{own} and the attached ones ({', '.join(attached)})" if attached else own


def confinement_note(attached: Sequence[str]) -> str:
    """What the policy confines, for ``podchaos rbac``'s notes."""
    return (
        "The ClusterRole grants pods delete and pods/exec (and pods/eviction for drains, unless the "
        "attached namespaces' Roles do) in "
        "every namespace, because a run's own namespaces are named per run; the admission policy "
        "confines them, for this account only, to namespaces labelled "
        f"{MANAGED_BY_LABEL}={MANAGED_BY}"
        + (
            f" and the attached ones ({', '.join(attached)})"
            if attached
            else " (`podchaos rbac --namespace NS` adds one)"
        )
        + ". The API server admits an exec as CONNECT pods/exec, which the policy matches: an exec "
        "elsewhere is refused before it reaches a kubelet. The policy needs Kubernetes 1.30 or later "
        "(ValidatingAdmissionPolicy GA); without it these rights stay cluster-wide."
    )


def _confinement(attached: Sequence[str]) -> dict[str, str]:
    """The validation that keeps pod deletes, evictions and execs in podchaos's and the attached
    namespaces, its message naming what was refused, where, and where it is allowed."""
    where = confined_where(attached)
    hint = "; for a namespace attached runs use, apply what `podchaos rbac --namespace NS` prints"
    allowed = "variables.own" + (f" || request.namespace in {list(attached)!r}" if attached else "")
    verb = (
        "(request.operation == 'DELETE' ? 'deletes' : "
        "variables.subresource == 'eviction' ? 'evicts' : 'execs into')"
    )
    return {
        "expression": f"!variables.podAction || {allowed}",
        "message": f"podchaos deletes, evicts and execs into pods only in {where}{hint}",
        "messageExpression": f"'podchaos ' + {verb} + ' pods only in {where}, not in ' + "
        f"request.namespace + '{hint}'",
        "reason": "Forbidden",
    }


def runner_policy(
    service_account: str, name: str, attached: Sequence[str] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The policy ``<name>-limits`` for the runner's ServiceAccount, and its binding (deny). Pods may
    be deleted, evicted and exec'd into in podchaos's namespaces and in ``attached`` (namespace
    names; ValueError for anything else, since they stand in the CEL)."""
    bad = [namespace for namespace in attached if not NAMESPACE_NAME.match(namespace)]
    if bad:
        raise ValueError(f"attached namespaces must be namespace names (DNS labels), got {bad!r}")
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
                    {
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "operations": list(ops),
                        "resources": list(res),
                    }
                    for ops, res in MATCHED
                ]
            },
            "matchConditions": [
                {"name": "the-runner", "expression": f"request.userInfo.username == '{user}'"}
            ],
            "variables": _variables(),
            "validations": [
                {
                    "expression": "request.resource.resource != 'namespaces' || "
                    + _labelled("oldObject", MANAGED_BY_LABEL, MANAGED_BY),
                    "message": f"podchaos deletes only the namespaces it created ({MANAGED_BY_LABEL}="
                    f"{MANAGED_BY})",
                    "reason": "Forbidden",
                },
                {
                    # Only a pod's create carries a pod as its object (a delete has none, an
                    # eviction an Eviction): the other requests skip the privileged check.
                    "expression": "request.resource.resource != 'pods' || request.operation != 'CREATE' || "
                    f"variables.subresource != '' || !({_PRIVILEGED}) || ({agents})",
                    "message": "podchaos creates privileged pods only in its agents' namespace "
                    f"({SCENARIO_LABEL}={AGENTS_SCENARIO})",
                    "reason": "Forbidden",
                },
                _confinement(attached),
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
