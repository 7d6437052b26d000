"""Rules about what the workload controllers do with a pod that died: StatefulSet identity, claims and
order, a Job's outcome, disruption conditions, DaemonSet pods kept on or coming back to their node."""

from __future__ import annotations

import itertools
import re

from podchaos.model.controllers import (
    DisruptionTarget,
    JobOutcome,
    JobSnapshot,
    OrderedRecreation,
    PodKept,
    PvcKept,
    SameIdentity,
    SameNode,
)
from podchaos.model.timeline import FaultRecord, PodGone, PodSnapshot, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement
from podchaos.verdict.files import read_back

_ORDINAL_RE = re.compile(r"^(?P<set>.+)-(?P<ordinal>\d+)$")


def _first(timeline: Timeline, pod_uid: str) -> PodSnapshot | None:
    return next((s for s in timeline.of_type(PodSnapshot) if s.pod_uid == pod_uid), None)


def _claims(timeline: Timeline, pod_uid: str) -> tuple[str, ...]:
    first = _first(timeline, pod_uid)
    return first.claims if first is not None else ()


def _listed(claims: tuple[str, ...] | set[str]) -> str:
    return ", ".join(sorted(claims)) or "none"


def _replacements(timeline: Timeline, fault: FaultRecord) -> list[PodSnapshot]:
    """Ready snapshots after the fault of pods that did not exist at fault time, in time order."""
    old = {s.pod_uid for s in timeline.of_type(PodSnapshot) if s.at <= fault.at}
    return [
        s
        for s in timeline.of_type(PodSnapshot)
        if s.pod_uid not in old and s.at >= fault.at and s.ready and not s.deleting
    ]


def pvc_kept(e: PvcKept, timeline: Timeline) -> Judgement:
    """The token read back unchanged in a replacement pod (new UID) mounting a claim of the pod it was
    written in. As for emptyDir, a file that could not be read fails with "could not read"."""
    expected = (
        f"{e.path} in {e.container} read back unchanged in a replacement pod (new UID) with the same claim"
    )
    found = read_back(timeline, e.container, e.path, expected)
    if isinstance(found, Judgement):
        return found
    written = _claims(timeline, found.before.pod_uid)
    read = _claims(timeline, found.after.pod_uid)
    same_pod = found.same_pod
    seen = found.content()
    if found.after.absent:
        seen += ": the data did not outlive the pod"
    shared = set(written) & set(read)
    seen += f"; claims {_listed(shared) if shared else f'{_listed(written)} then {_listed(read)}'}"
    ok = not same_pod and found.unchanged and bool(shared)
    if same_pod:
        seen += ": the pod was not replaced"
    elif not written:
        seen += f": pod {found.before.pod} mounts no PersistentVolumeClaim"
    elif not shared:
        seen += ": the new pod mounts none of the claims of the pod the token was written in"
    return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, seen)


def same_identity(e: SameIdentity, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    """The faulted pod's name and claims on a new UID, Ready in time. A controller other than a
    StatefulSet that brings up a differently named pod has answered for good."""
    claims = _claims(timeline, fault.pod_uid)
    expected = (
        f"pod {fault.pod} replaced (new UID) by a pod of the same name with the same claims"
        f" ({_listed(claims)}), Ready within {e.within:g}s"
    )
    origin = _first(timeline, fault.pod_uid)
    owner = origin.owner if origin is not None else ""
    late = now - fault.at > e.within
    for snapshot in _replacements(timeline, fault):
        took = snapshot.at - fault.at
        if snapshot.pod == fault.pod:
            now_claims = _claims(timeline, snapshot.pod_uid)
            seen = f"{snapshot.pod} Ready again as UID {snapshot.pod_uid[:8]} {took:.1f}s after the fault"
            seen += f" with claims {_listed(now_claims)}"
            ok = now_claims == claims and took <= e.within
            if now_claims != claims:
                seen += f", not {_listed(claims)}"
            return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, seen)
        if not owner.startswith("StatefulSet/"):
            seen = f"replaced by {snapshot.pod}, a new name ({owner or 'no controller'} names its pods anew)"
            return Judgement(Outcome.FAILED, expected, seen)
    gone = any(g.pod_uid == fault.pod_uid for g in timeline.of_type(PodGone))
    seen = f"no new pod named {fault.pod} Ready yet (the old one {'is gone' if gone else 'still exists'})"
    return Judgement(Outcome.FAILED if late else Outcome.PENDING, expected, seen)


def ordered_recreation(e: OrderedRecreation, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    """The pods deleted after the fault came back (same names) in ordinal order, each created only once
    the one before it was Ready."""
    expected = (
        f"at least {e.pods} StatefulSet pods recreated in ordinal order, each after the previous one was"
        f" Ready, within {e.within:g}s"
    )
    snapshots = timeline.of_type(PodSnapshot)
    old = {s.pod_uid: s.pod for s in snapshots if s.at <= fault.at}
    ended = {s.pod_uid for s in snapshots if s.deleting and s.at >= fault.at}
    ended |= {g.pod_uid for g in timeline.of_type(PodGone) if g.at >= fault.at}
    victims = sorted({name for uid, name in old.items() if uid in ended})
    created: dict[str, float] = {}
    ready: dict[str, float] = {}
    for s in snapshots:
        if s.pod_uid in old or s.pod not in victims or s.at < fault.at:
            continue
        created.setdefault(s.pod, s.at)
        if s.ready and not s.deleting:
            ready.setdefault(s.pod, s.at)
    late = now - fault.at > e.within
    if len(victims) < e.pods or set(ready) != set(victims):
        back = ", ".join(
            f"{p} Ready at +{at - fault.at:.1f}s" for p, at in sorted(ready.items(), key=_second)
        )
        seen = f"{len(victims)} pods replaced ({', '.join(victims) or 'none'}); {back or 'none Ready again'}"
        return Judgement(Outcome.FAILED if late else Outcome.PENDING, expected, seen)
    order = sorted(victims, key=lambda p: created[p])
    steps = [f"{p} created +{created[p] - fault.at:.1f}s, Ready +{ready[p] - fault.at:.1f}s" for p in order]
    seen = "; ".join(steps)
    by_ordinal = sorted(victims, key=_ordinal)
    if order != by_ordinal:
        return Judgement(Outcome.FAILED, expected, f"{seen}: not in ordinal order")
    overlapping = [
        f"{later} created before {earlier} was Ready"
        for earlier, later in itertools.pairwise(order)
        if created[later] < ready[earlier]
    ]
    if overlapping:
        return Judgement(Outcome.FAILED, expected, f"{seen}: {'; '.join(overlapping)}")
    took = max(ready.values()) - fault.at
    if took > e.within:
        return Judgement(Outcome.FAILED, expected, f"{seen}: the last one took {took:.1f}s")
    return Judgement(Outcome.PASSED, expected, seen)


def _second(item: tuple[str, float]) -> float:
    return item[1]


def _ordinal(pod: str) -> tuple[str, int]:
    match = _ORDINAL_RE.match(pod)
    return (match["set"], int(match["ordinal"])) if match else (pod, -1)


def job_outcome(e: JobOutcome, timeline: Timeline, fault: FaultRecord) -> Judgement:
    """The terminal condition of the faulted pod's Job, its reason and the Job's failed-pod count."""
    wanted: list[str] = [e.condition]
    wanted += [f"reason {e.reason}"] if e.reason is not None else []
    wanted += [f"{e.failed} failed pods"] if e.failed is not None else []
    origin = _first(timeline, fault.pod_uid)
    owner = origin.owner if origin is not None else ""
    job = owner.removeprefix("Job/") if owner.startswith("Job/") else ""
    expected = f"Job {job or '(of the faulted pod)'} ends {', '.join(wanted)}"
    if not job:
        return Judgement(
            Outcome.FAILED, expected, f"pod {fault.pod} is not a Job's ({owner or 'no controller'})"
        )
    history = [s for s in timeline.of_type(JobSnapshot) if s.job == job]
    if not history:
        return Judgement(Outcome.PENDING, expected, f"no status of Job {job} seen yet")
    final = next((s for s in history if s.condition), None)
    if final is None:
        return Judgement(Outcome.PENDING, expected, f"Job {job}: {history[-1].describe()}")
    ok = (
        final.condition == e.condition
        and (e.reason is None or final.reason == e.reason)
        and (e.failed is None or final.failed == e.failed)
    )
    return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, f"Job {job}: {final.describe()}")


def disruption_target(e: DisruptionTarget, timeline: Timeline, fault: FaultRecord) -> Judgement:
    """A target pod with the DisruptionTarget condition (with the reason asked) after the fault."""
    expected = "a target pod with the DisruptionTarget condition" + (
        f" (reason {e.reason})" if e.reason is not None else ""
    )
    marked = [s for s in timeline.of_type(PodSnapshot) if s.disruption and s.at >= fault.at]
    match = next((s for s in marked if e.reason is None or s.disruption.split(":")[0] == e.reason), None)
    if match is not None:
        return Judgement(Outcome.PASSED, expected, f"{match.pod}: DisruptionTarget {match.disruption}")
    seen = "; ".join(sorted({f"{s.pod}: {s.disruption}" for s in marked})) or "no pod had it"
    return Judgement(Outcome.PENDING, expected, seen)


def pod_kept(e: PodKept, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    """The faulted pod (same UID) on its node, Ready and not deleted, for ``during`` seconds."""
    history = [s for s in timeline.of_type(PodSnapshot) if s.pod_uid == fault.pod_uid]
    node = next((s.node for s in history if s.node), "")
    expected = (
        f"pod {fault.pod} (same UID) kept on {node or 'its node'}, Ready, for {e.during:g}s after the fault"
    )
    for entry in timeline.entries:
        if entry.at < fault.at or getattr(entry, "pod_uid", None) != fault.pod_uid:
            continue
        when = f"{entry.at - fault.at:.1f}s after the fault"
        if isinstance(entry, PodGone):
            return Judgement(Outcome.FAILED, expected, f"deleted from the API {when}")
        if isinstance(entry, PodSnapshot):
            if entry.deleting:
                return Judgement(Outcome.FAILED, expected, f"marked for deletion {when}")
            if entry.node != node:
                return Judgement(Outcome.FAILED, expected, f"on {entry.node} {when}")
            if not entry.ready:
                return Judgement(Outcome.FAILED, expected, f"not Ready {when}")
    if now - fault.at >= e.during:
        return Judgement(
            Outcome.PASSED, expected, f"still there on {node}, Ready, {now - fault.at:.1f}s after"
        )
    return Judgement(Outcome.PENDING, expected, f"still there on {node}, {now - fault.at:.1f}s after")


def same_node(e: SameNode, timeline: Timeline, fault: FaultRecord, now: float) -> Judgement:
    """A replacement pod Ready on the faulted pod's node in time."""
    origin = next(
        (s.node for s in timeline.of_type(PodSnapshot) if s.pod_uid == fault.pod_uid and s.node), ""
    )
    expected = (
        f"a new target pod Ready on the faulted pod's node {origin or '(unknown)'} within {e.within:g}s"
    )
    for snapshot in _replacements(timeline, fault):
        took = snapshot.at - fault.at
        if snapshot.node == origin:
            outcome = Outcome.PASSED if took <= e.within else Outcome.FAILED
            return Judgement(outcome, expected, f"{snapshot.pod} Ready on {snapshot.node} {took:.1f}s after")
        return Judgement(Outcome.FAILED, expected, f"{snapshot.pod} Ready on another node, {snapshot.node}")
    late = now - fault.at > e.within
    return Judgement(Outcome.FAILED if late else Outcome.PENDING, expected, "no new pod Ready yet")
