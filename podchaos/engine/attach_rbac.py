"""The RBAC for attached scenarios (``podchaos rbac --namespace shop``): a Role in each attached
namespace with what a run does to the pods there, beside the ClusterRole every run needs for its own
namespace and node agents (:func:`~podchaos.engine.plan.rbac_yaml`).

Evictions (node-drain) and pod deletes of the workload happen only in the attached namespace, so
pods/eviction moves from the ClusterRole to the Role. The rest of the pods rules stay cluster-wide too,
because a run's own namespace (its traffic client, the node agents) is named per run and cannot be
granted in advance. The admission policy ``rbac_yaml`` prints, made for the same attached namespaces,
closes that gap for the runner: pod deletes, evictions and execs only in podchaos's own namespaces
and the attached ones; privileged pods and namespace deletes only in podchaos's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from podchaos.engine.plan import EVICTION_RULE, READ, Permissions, Rule, rule_yaml

ATTACHED_RULES: tuple[Rule, ...] = (
    Rule("", "pods", ("delete", *READ), "find and watch the target pods; pod-delete"),
    Rule("", "pods/log", ("get",), "the target containers' logs"),
    Rule("", "pods/exec", ("create", "get"), "file tokens where the node agent cannot reach them"),
    Rule("", "pods/eviction", ("create",), "node-drain evicts the target pods through the Eviction API"),
    Rule("", "events", READ, "the timeline's events"),
    Rule("discovery.k8s.io", "endpointslices", READ, "endpoint readiness"),
)


def without_evictions(perms: Permissions) -> Permissions:
    """The ClusterRole's rules less pods/eviction, which the attached namespaces' Roles grant."""
    rules = tuple(rule for rule in perms.cluster_rules if rule.name != EVICTION_RULE.name)
    return Permissions(rules, perms.node_faults, perms.agent)


def attached_roles(namespaces: Sequence[str], service_account: str, name: str) -> str:
    """A Role and RoleBinding in each attached namespace, as YAML documents (each starting ``---``)."""
    sa_namespace, _, sa_name = service_account.partition("/")
    out: list[str] = []
    for namespace in namespaces:
        role = [
            f"# What attached runs do to the workload's pods in {namespace}; nothing is created there.",
            f"# The admission policy above, made for {namespace}, lets the runner delete, evict and exec",
            "# into pods here.",
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: Role",
            "metadata:",
            f"  name: {name}-attach",
            f"  namespace: {namespace}",
            "rules:",
            *(line for rule in ATTACHED_RULES for line in rule_yaml(rule)),
        ]
        binding = [
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: RoleBinding",
            "metadata:",
            f"  name: {name}-attach",
            f"  namespace: {namespace}",
            "roleRef:",
            "  apiGroup: rbac.authorization.k8s.io",
            "  kind: Role",
            f"  name: {name}-attach",
            "subjects:",
            "  - kind: ServiceAccount",
            f"    name: {sa_name or sa_namespace}",
            f"    namespace: {sa_namespace if sa_name else 'default'}",
        ]
        out += ["---\n" + "\n".join(role) + "\n", "---\n" + "\n".join(binding) + "\n"]
    return "".join(out)
