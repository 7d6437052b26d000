"""An attached run's target: a workload that already runs in a namespace podchaos did not create.

The namespace passes the guard (:mod:`podchaos.deploy.guard`) before anything touches the cluster;
then it must exist. The run deploys nothing into it and deletes nothing from it: what its faults
change there is undone by their restore, and pods deleted or evicted are their controller's to
replace (the verdict says whether it did)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from podchaos.deploy.guard import check_namespace
from podchaos.errors import ClusterError, Forbidden
from podchaos.inject.tokens import file_checks
from podchaos.k8s.client import Kube
from podchaos.model.blast import BlastRadius
from podchaos.model.expectations import Expectation
from podchaos.model.faults import ContainerFreeze, FaultSpec, ProbeFail, StartupProbeFail
from podchaos.model.restore_mark import RestoreMark


@dataclass(frozen=True)
class Attachment:
    """The namespace a run attaches to, which of its pods a fault takes, and the namespaces the session
    allowed."""

    namespace: str
    allowed: tuple[str, ...]
    blast: BlastRadius = field(default_factory=BlastRadius)
    mark: RestoreMark | None = None
    """What the run may change there, written on its own namespace for ``podchaos sweep``."""

    def check_guard(self) -> None:
        """Raise :class:`~podchaos.errors.UnsafeNamespace` unless the namespace may be attached to."""
        check_namespace(self.namespace, self.allowed)

    def check(self, kube: Kube) -> None:
        """The guard, then the namespace must exist (a ClusterError naming it when it does not)."""
        self.check_guard()
        try:
            exists = kube.namespace_exists(self.namespace)
        except Forbidden:
            return  # a namespaced Role cannot read the namespace object: the pods' list will tell
        if not exists:
            raise ClusterError(f"namespace {self.namespace!r} to attach to does not exist")


def attachment_of(
    namespace: str,
    allowed: tuple[str, ...],
    blast: BlastRadius | None = None,
    mark: RestoreMark | None = None,
) -> Attachment | None:
    """An Attachment for ``namespace``, or None when the run deploys its own workload ("")."""
    if not namespace:
        return None
    return Attachment(namespace, allowed, blast or BlastRadius(), mark)


def restore_mark(
    namespace: str, selector: str, faults: Sequence[FaultSpec], expectations: Sequence[Expectation]
) -> RestoreMark:
    """What a scenario's faults and file tokens may leave changed in the attached pods."""
    hidden = [(f.container, f.path) for f in faults if isinstance(f, ProbeFail | StartupProbeFail)]
    frozen = [f.container for f in faults if isinstance(f, ContainerFreeze)]
    return RestoreMark(
        namespace,
        selector,
        tuple(dict.fromkeys(hidden)),
        tuple(dict.fromkeys(frozen)),
        tuple(file_checks(tuple(expectations))),
    )


def plan_lines(kube: Kube, namespace: str, selector: str, blast: BlastRadius) -> list[str]:
    """What ``podchaos plan`` shows of an attached scenario on the cluster: the pods its target
    selects now, and whether the run would refuse them."""
    pods = kube.pods(namespace, selector)
    lines = [f"  pods selected now in {namespace} ({selector}): {len(pods)}"]
    lines += [f"    {state.pod.pod} on {state.pod.node or '(unscheduled)'}" for state in pods]
    problem = blast.refusal(len(pods), f"namespace {namespace}")
    if problem is not None:
        lines.append(f"  the run would be refused: {problem}")
    else:
        lines.append(f"  each fault would take {blast.count(len(pods))} of them ({blast.describe()})")
    return lines
