"""Rules about files podchaos wrote before the fault and read back after recovery (emptyDir).

Each rule passes for one reason only. emptydir-kept: the token read back unchanged in the very pod
(same UID) it was written in. emptydir-lost: nothing at the path in a replacement pod (another UID).
A file that could not be read, or a read-back in the wrong pod, fails with what was seen.
"""

from __future__ import annotations

from podchaos.model.expectations import EmptyDirKept, EmptyDirLost
from podchaos.model.timeline import FileToken, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement


def tokens(timeline: Timeline, container: str, path: str) -> tuple[FileToken | None, FileToken | None]:
    """The token written before the fault and the latest read-back after recovery, if any."""
    found = [p for p in timeline.of_type(FileToken) if p.container == container and p.path == path]
    before = next((p for p in found if p.phase == "before-fault"), None)
    after = next((p for p in reversed(found) if p.phase == "after-recovery"), None)
    return before, after


def emptydir(e: EmptyDirKept | EmptyDirLost, timeline: Timeline) -> Judgement:
    keep = isinstance(e, EmptyDirKept)
    expected = (
        f"{e.path} in {e.container} read back unchanged in the same pod (same UID)"
        if keep
        else f"{e.path} in {e.container} absent in a replacement pod (new UID)"
    )
    before, after = tokens(timeline, e.container, e.path)
    if before is None or before.content is None:
        why = f": {before.error}" if before is not None and before.error else ""
        return Judgement(Outcome.FAILED, expected, f"podchaos could not write {e.path} before the fault{why}")
    if after is None:
        return Judgement(Outcome.PENDING, expected, "not read back yet")
    same_pod = after.pod_uid == before.pod_uid
    where = (
        f"the same pod {after.pod} (UID {after.pod_uid[:8]})"
        if same_pod
        else f"new pod {after.pod} (new UID) {after.pod_uid[:8]}, token written in UID {before.pod_uid[:8]}"
    )
    if after.error:
        return Judgement(Outcome.FAILED, expected, f"could not read {e.path} in {where}: {after.error}")
    if after.absent:
        seen = f"absent in {where}"
    elif after.content == before.content:
        seen = f"same content in {where}"
    else:
        seen = f"different content in {where}: {(after.content or '')[:60]!r}"
    if keep:
        ok = same_pod and after.content == before.content
        if after.content == before.content and not same_pod:
            seen += ": not the pod the token was written in"
    else:
        ok = not same_pod and after.absent
        if after.absent and same_pod:
            seen += ": the pod was not replaced"
    return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, seen)
