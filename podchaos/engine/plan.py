"""What a scenario would do, without doing it: the plan ``--podchaos-dry-run`` and ``podchaos plan``
print, and the Kubernetes permissions a run needs (``podchaos rbac``).

The permissions follow what the code does, call by call (see :mod:`podchaos.k8s.client`): every run
creates and deletes its own namespace, creates the scenario's objects and watches pods, events,
EndpointSlices and Jobs in it, reads logs and execs into pods (file tokens, the node agent); a fault
adds what it needs (pods delete, pods/eviction, nodes, the node-fault Lease). Nothing here talks to a
cluster.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from podchaos.inject.holds import SHARED_PREFIX
from podchaos.inject.node_lease import LEASE_NAME, LEASE_NAMESPACE
from podchaos.inject.tokens import file_checks
from podchaos.model import Scenario
from podchaos.model.admission import confined_where, confinement_note, runner_policy
from podchaos.model.expectations import RestartBackoff, TerminationDuration
from podchaos.model.faults import (
    NODE_FAULTS,
    ContainerFreeze,
    ContainerKill,
    EmptyDirFill,
    NodeDrain,
    OomKill,
    ProbeFail,
    StartupProbeFail,
)
from podchaos.verdict.backoff import DEFAULT_CAP_S, total_wait

ROLE_NAME = "podchaos"
READ = ("get", "list", "watch")

# Kinds whose plural is not kind.lower() + "s".
_PLURALS = {
    "NetworkPolicy": "networkpolicies",
    "Ingress": "ingresses",
    "PodSecurityPolicy": "podsecuritypolicies",
}


@dataclass(frozen=True, order=True)
class Rule:
    """One RBAC rule: verbs on a resource of an API group (``""``: the core group)."""

    group: str
    resource: str
    verbs: tuple[str, ...]
    why: str = dataclasses.field(default="", compare=False)

    @property
    def name(self) -> str:
        """``pods/exec``, ``leases.coordination.k8s.io``: as ``kubectl auth can-i`` names it."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


# What every run does, whatever its scenario.
BASE_RULES: tuple[Rule, ...] = (
    Rule("", "namespaces", ("create", "delete", *READ), "the run's own namespace (and the agents' one)"),
    Rule("", "serviceaccounts", ("get",), "a new namespace is used once its default account exists"),
    Rule("", "pods", ("create", "delete", "deletecollection", *READ), "watch the targets; agent pods"),
    Rule("", "pods/log", ("get",), "container logs (log expectations, diagnostics, traffic probe)"),
    Rule("", "pods/exec", ("create", "get"), "file tokens and the node agent's commands"),
    Rule("", "events", READ, "the timeline's events"),
    Rule("discovery.k8s.io", "endpointslices", READ, "endpoint readiness"),
    Rule("batch", "jobs", READ, "Job outcomes"),
)
NODE_RULE = Rule("", "nodes", ("get", "list", "patch"), "cordon and uncordon the target's node")
EVICTION_RULE = Rule("", "pods/eviction", ("create",), "drain through the Eviction API")
LEASE_RULE = Rule(
    "coordination.k8s.io",
    "leases",
    ("create", "delete", "get", "list", "update"),
    "the holds that keep parallel runs apart: take, look for the others', renew, release",
)
AGENT_FAULTS = (ContainerKill, OomKill, ProbeFail, StartupProbeFail, ContainerFreeze, EmptyDirFill)


def resource_of(manifest_kind: str, api_version: str) -> tuple[str, str]:
    """(API group, plural resource) of a manifest's kind: ``("apps", "deployments")``."""
    group = api_version.rpartition("/")[0]
    plural = _PLURALS.get(manifest_kind) or manifest_kind.lower() + (
        "es" if manifest_kind.endswith("s") else "s"
    )
    return group, plural


@dataclass(frozen=True)
class Permissions:
    """The ClusterRole's rules, and whether node faults and the node agent are used. Every run holds
    a Lease in ``default`` (the Role there): exclusive with node faults, shared without."""

    cluster_rules: tuple[Rule, ...]
    node_faults: bool
    agent: bool


def permissions(scenarios: Iterable[Scenario]) -> Permissions:
    """The least permissions that run these scenarios (under pytest or the library)."""
    verbs: dict[tuple[str, str], set[str]] = {}
    why: dict[tuple[str, str], str] = {}

    def add(rule: Rule) -> None:
        key = (rule.group, rule.resource)
        verbs.setdefault(key, set()).update(rule.verbs)
        why.setdefault(key, rule.why)

    for rule in BASE_RULES:
        add(rule)
    node = agent = False
    for scenario in scenarios:
        for manifest in scenario.workload.manifests:
            group, plural = resource_of(manifest.kind, manifest.api_version)
            # Create only: reading them back is not needed (and reading Secrets cluster-wide is a lot).
            add(Rule(group, plural, ("create",), "the scenario's objects"))
        # File tokens are written and read from the node too (exec only where the agent cannot run).
        agent = agent or bool(file_checks(scenario.expectations))
        for fault in scenario.faults:
            agent = agent or isinstance(fault, AGENT_FAULTS)
            if isinstance(fault, NODE_FAULTS):
                node = True
                add(NODE_RULE)
            if isinstance(fault, NodeDrain):
                add(EVICTION_RULE)
    order = {
        verb: i for i, verb in enumerate(("create", "delete", "deletecollection", "get", "list", "watch"))
    }
    rules = tuple(
        Rule(
            group, resource, tuple(sorted(found, key=lambda v: (order.get(v, 99), v))), why[(group, resource)]
        )
        for (group, resource), found in sorted(verbs.items())
    )
    return Permissions(rules, node_faults=node, agent=agent)


def rule_yaml(rule: Rule, resource_names: Sequence[str] = ()) -> list[str]:
    lines = [
        f"  # {rule.why}" if rule.why else "",
        f'  - apiGroups: ["{rule.group}"]',
        f'    resources: ["{rule.resource}"]',
    ]
    if resource_names:
        lines.append("    resourceNames: [" + ", ".join(f'"{n}"' for n in resource_names) + "]")
    lines.append("    verbs: [" + ", ".join(f'"{v}"' for v in rule.verbs) + "]")
    return [line for line in lines if line]


def rbac_yaml(
    perms: Permissions,
    service_account: str = "podchaos/podchaos",
    name: str = ROLE_NAME,
    attached: Sequence[str] = (),
) -> str:
    """The ClusterRole (with its binding to ``namespace/name`` of a ServiceAccount), the Role in
    ``default`` for the holds' Leases (with its binding), and the admission policy (with its binding)
    that limits which namespaces the account deletes, where it creates privileged pods, and where it
    deletes, evicts and execs into pods (podchaos's namespaces and ``attached``), as one multi-document
    YAML."""
    sa_namespace, _, sa_name = service_account.partition("/")
    subject = [
        "subjects:",
        "  - kind: ServiceAccount",
        f"    name: {sa_name or sa_namespace}",
        f"    namespace: {sa_namespace if sa_name else 'default'}",
    ]
    docs: list[list[str]] = []
    docs.append(
        [
            "# What podchaos runs need. A ClusterRole, not a Role: every run creates (and deletes) a",
            "# namespace of its own, so nothing narrower than cluster scope can be granted in advance.",
            "# The admission policy below confines what this grants everywhere: podchaos deletes,",
            f"# evicts and execs into pods only in {confined_where(attached)}.",
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: ClusterRole",
            "metadata:",
            f"  name: {name}",
            "rules:",
            *(line for rule in perms.cluster_rules for line in rule_yaml(rule)),
        ]
    )
    docs.append(
        [
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: ClusterRoleBinding",
            "metadata:",
            f"  name: {name}",
            "roleRef:",
            "  apiGroup: rbac.authorization.k8s.io",
            "  kind: ClusterRole",
            f"  name: {name}",
            *subject,
        ]
    )
    docs.append(
        [
            f"# Every run holds a Lease in {LEASE_NAMESPACE}, so parallel runs do not disturb each other",
            f"# (node faults: {LEASE_NAME}, exclusive; other runs: {SHARED_PREFIX}<namespace>, shared).",
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: Role",
            "metadata:",
            f"  name: {name}-holds",
            f"  namespace: {LEASE_NAMESPACE}",
            "rules:",
            *rule_yaml(LEASE_RULE),
        ]
    )
    docs.append(
        [
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: RoleBinding",
            "metadata:",
            f"  name: {name}-holds",
            f"  namespace: {LEASE_NAMESPACE}",
            "roleRef:",
            "  apiGroup: rbac.authorization.k8s.io",
            "  kind: Role",
            f"  name: {name}-holds",
            *subject,
        ]
    )
    # What RBAC cannot narrow (which namespaces, which privileged pods): the admission policy.
    policy, binding = runner_policy(service_account, name, attached)
    docs.append(
        [
            "# What RBAC cannot narrow, refused by the API server for the runner only: deleting a",
            "# namespace podchaos did not create, privileged pods outside its agents' namespace, and",
            f"# deleting, evicting or exec'ing into pods outside {confined_where(attached)}.",
            yaml.safe_dump(policy, sort_keys=False, width=10_000).rstrip(),
        ]
    )
    docs.append([yaml.safe_dump(binding, sort_keys=False, width=10_000).rstrip()])
    return "---\n" + "\n---\n".join("\n".join(doc) for doc in docs) + "\n"


AGENT_NOTE = (
    "The node agent (container-kill, oom-kill, probe-fail, the emptyDir and claim file tokens) runs as "
    "a privileged pod with hostPID and a hostPath volume (/sys/fs/cgroup) in a namespace podchaos "
    "creates (pc-agents-<id>): Pod Security "
    "admission must allow privileged pods there (no enforce label, or pod-security.kubernetes.io/"
    "enforce=privileged as the namespace default), and no policy engine may refuse them."
)


def rbac_notes(perms: Permissions, attached: Sequence[str] = ()) -> list[str]:
    """What the roles cannot say: the agent's privileged pods, what the admission policy confines,
    and why these scopes."""
    notes = [
        "Every permission above is used: namespaces for the run's own namespace; pods, pods/log, "
        "pods/exec, events, endpointslices and jobs to watch and act on the run; the scenario's kinds "
        "to create its objects.",
        confinement_note(attached),
    ]
    if perms.agent:
        notes.append(AGENT_NOTE)
    if perms.node_faults:
        notes.append(
            "Node faults patch nodes (cordon, uncordon; cluster-scoped, so only a ClusterRole can grant it) "
            f"and hold the Lease {LEASE_NAMESPACE}/{LEASE_NAME} exclusively."
        )
    else:
        notes.append("No node faults: no nodes permissions.")
    notes.append(
        f"Every run holds a Lease in {LEASE_NAMESPACE} while its pods are scheduled and observed (the "
        "Role there): its own shared one, or the node faults' exclusive one. Their names are made per "
        "run, so the Role cannot list them by name."
    )
    return notes


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _fields(spec: Any, skip: Sequence[str] = ()) -> str:
    parts = [
        f"{field.name}={_value(getattr(spec, field.name))}"
        for field in dataclasses.fields(spec)
        if field.name not in skip and getattr(spec, field.name) is not None
    ]
    return " ".join(parts)


def describe_plan(scenario: Scenario) -> list[str]:
    """The plan of one scenario, as lines: objects, faults and targets, expectations, traffic."""
    target = scenario.workload.target_selector
    workload = scenario.workload
    own = f"pc-{scenario.name}-<run id> (created for the run, deleted after it)"
    lines = [
        f"scenario {scenario.name} ({scenario.source})",
        *(
            [
                f"  attached to namespace {workload.namespace}: nothing is deployed there, nothing deleted;"
                f" it must be allowed (--podchaos-allow-namespace {workload.namespace})",
                f"  the run's own namespace: {own}, for its traffic client and node agents",
                f"  pods each fault takes: {workload.blast.describe()}",
            ]
            if workload.attached
            else [f"  namespace: {own}"]
        ),
        *(
            [f"  requires: Kubernetes {scenario.requires.kubernetes} (skipped on other clusters)"]
            if scenario.requires.kubernetes is not None
            else []
        ),
        "  objects to create:",
        *(
            f"    {manifest.kind}/{manifest.name}"
            + (f" (its namespace {manifest.moved_from} replaced by the run's)" if manifest.moved_from else "")
            for manifest in scenario.workload.manifests
        ),
        f"  target: pods labelled {target}",
        "  faults:",
    ]
    for number, fault in enumerate(scenario.faults, 1):
        container = getattr(fault, "container", None)
        where = f"container {container} of " if container else ""
        extra = _fields(fault, ("container",))
        lines.append(
            f"    {number}. {fault.type}: {where}a pod labelled {target}" + (f" ({extra})" if extra else "")
        )
    lines.append("  expectations:")
    for expectation in scenario.expectations:
        detail = _fields(expectation)
        lines.append(f"    - {expectation.type}" + (f": {detail}" if detail else ""))
    if scenario.traffic is None:
        lines.append("  traffic probe: none")
    else:
        lines.append(f"  traffic probe: {_fields(scenario.traffic)} (a client pod in the run's namespace)")
    perms = permissions([scenario])
    lines.append("  permissions needed:")
    for rule in perms.cluster_rules:
        lines.append(f"    {' '.join(rule.verbs):<46} {rule.name}")
    hold = f"{LEASE_NAMESPACE}/{LEASE_NAME}" if perms.node_faults else f"{LEASE_NAMESPACE}/{SHARED_PREFIX}..."
    lines.append(f"    {' '.join(LEASE_RULE.verbs):<46} {LEASE_RULE.name} {hold}")
    if perms.agent:
        lines.append("    privileged hostPID pods (the node agent)")
    return lines


def expected_seconds(scenario: Scenario) -> float:
    """A rough duration: what the scenario makes Kubernetes wait for, above a few seconds of start-up
    (the pytest plugin starts the longest first under xdist)."""
    seconds = 5.0 + (scenario.traffic.steady + 2.0 if scenario.traffic else 0.0)
    # A back-off cap the scenario states is the nodes' (restart-backoff checks it).
    caps = [e.cap for e in scenario.expectations if isinstance(e, RestartBackoff) and e.cap is not None]
    cap = min(caps, default=DEFAULT_CAP_S)
    for fault in scenario.faults:
        if isinstance(fault, ContainerKill):
            seconds += total_wait(fault.repeat, cap)
        elif isinstance(fault, ProbeFail):
            # A failed liveness probe restarts the container after its failure threshold.
            seconds += fault.duration + (20.0 if fault.probe == "liveness" else 0.0)
        elif isinstance(fault, NodeDrain):
            seconds += 10.0
        elif isinstance(fault, EmptyDirFill):
            # kubelet evicts once it has measured the volume, which it does once a minute: 8 to 58 s.
            seconds += 40.0
    for expectation in scenario.expectations:
        if isinstance(expectation, RestartBackoff):
            seconds += total_wait(expectation.restarts, cap)
        elif isinstance(expectation, TerminationDuration):
            seconds += expectation.at_least
    return seconds
