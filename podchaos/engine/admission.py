"""What RBAC cannot say, enforced by the cluster: a ValidatingAdmissionPolicy (with its binding) that
``podchaos rbac`` prints next to the roles.

RBAC grants namespaces ``delete`` and pods ``create`` cluster-wide, because every run makes a
namespace of its own; it cannot narrow that to *podchaos's* namespaces. The policy does, for requests
from the runner's identity only:

- a namespace may be deleted only when it carries ``app.kubernetes.io/managed-by=podchaos``;
- a privileged pod (privileged container, hostPID, or a hostPath volume: what the node agent needs)
  may be created only in the agents' namespace (managed by podchaos, ``podchaos.io/scenario=agents``).

Kubernetes evaluates it in the API server (CEL); nothing runs in the cluster.
"""

from __future__ import annotations

from podchaos.deploy.namespace import MANAGED_BY, MANAGED_BY_LABEL, SCENARIO_LABEL

AGENTS_SCENARIO = "agents"  # the scenario label of the agents' namespace (see the pytest session)

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


def policy_yaml(service_account: str, name: str) -> str:
    """The policy and its binding, as YAML documents (no leading ``---``), for the runner's
    ServiceAccount ``namespace/name``."""
    sa_namespace, _, sa_name = service_account.partition("/")
    user = f"system:serviceaccount:{sa_namespace if sa_name else 'default'}:{sa_name or sa_namespace}"
    managed = _labelled("oldObject", MANAGED_BY_LABEL, MANAGED_BY)
    agents = (
        _labelled("namespaceObject", MANAGED_BY_LABEL, MANAGED_BY)
        + " && "
        + _labelled("namespaceObject", SCENARIO_LABEL, AGENTS_SCENARIO)
    )
    policy = f"""\
# What RBAC cannot narrow, refused by the API server for the runner only: deleting a namespace podchaos
# did not create, and privileged pods outside its agents' namespace.
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: {name}-limits
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["DELETE"]
        resources: ["namespaces"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
  matchConditions:
    - name: the-runner
      expression: "request.userInfo.username == '{user}'"
  validations:
    - expression: "request.resource.resource != 'namespaces' || {managed}"
      message: "podchaos deletes only the namespaces it created ({MANAGED_BY_LABEL}={MANAGED_BY})"
      reason: Forbidden
    - expression: "request.resource.resource != 'pods' || !({_PRIVILEGED}) || ({agents})"
      message: "podchaos creates privileged pods only in its agents' namespace \\
        ({SCENARIO_LABEL}={AGENTS_SCENARIO})"
      reason: Forbidden"""
    binding = f"""\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: {name}-limits
spec:
  policyName: {name}-limits
  validationActions: [Deny]"""
    return policy + "\n---\n" + binding
