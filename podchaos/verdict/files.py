"""Rules about files podchaos wrote before the fault and read back after recovery (emptyDir).

Each rule passes for one reason only. emptydir-kept: the token read back unchanged in the very pod
(same UID) it was written in. emptydir-lost: nothing at the path in a replacement pod (another UID).
A file that could not be read, or a read-back in the wrong pod, fails with what was seen.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ReadBack:
    """A token written before the fault and read back after recovery, both readable."""

    before: FileToken
    after: FileToken

    @property
    def same_pod(self) -> bool:
        """Read back in the very pod (same UID) it was written in."""
        return self.after.pod_uid == self.before.pod_uid

    @property
    def where(self) -> str:
        """The pod it was read back in, as failure messages name it."""
        after, before = self.after, self.before
        if self.same_pod:
            return f"the same pod {after.pod} (UID {after.pod_uid[:8]})"
        return f"new pod {after.pod} (new UID) {after.pod_uid[:8]}, token written in UID {before.pod_uid[:8]}"

    @property
    def unchanged(self) -> bool:
        """The token's content read back as written."""
        return self.after.content == self.before.content

    def content(self) -> str:
        """What was found, where: absent, the same content, or the different content."""
        if self.after.absent:
            return f"absent in {self.where}"
        if self.unchanged:
            return f"same content in {self.where}"
        return f"different content in {self.where}: {(self.after.content or '')[:60]!r}"


def read_back(timeline: Timeline, container: str, path: str, expected: str) -> ReadBack | Judgement:
    """The written and read-back tokens of ``path`` in ``container``; or the judgement when there is
    nothing to compare: the token could not be written (failed), is not read back yet (pending), or
    could not be read (failed, "could not read")."""
    before, after = tokens(timeline, container, path)
    if before is None or before.content is None:
        why = f": {before.error}" if before is not None and before.error else ""
        return Judgement(Outcome.FAILED, expected, f"podchaos could not write {path} before the fault{why}")
    if after is None:
        return Judgement(Outcome.PENDING, expected, "not read back yet")
    found = ReadBack(before, after)
    if after.error:
        return Judgement(Outcome.FAILED, expected, f"could not read {path} in {found.where}: {after.error}")
    return found


def emptydir(e: EmptyDirKept | EmptyDirLost, timeline: Timeline) -> Judgement:
    keep = isinstance(e, EmptyDirKept)
    expected = (
        f"{e.path} in {e.container} read back unchanged in the same pod (same UID)"
        if keep
        else f"{e.path} in {e.container} absent in a replacement pod (new UID)"
    )
    found = read_back(timeline, e.container, e.path, expected)
    if isinstance(found, Judgement):
        return found
    seen = found.content()
    if keep:
        ok = found.same_pod and found.unchanged
        if found.unchanged and not found.same_pod:
            seen += ": not the pod the token was written in"
    else:
        ok = not found.same_pod and found.after.absent
        if found.after.absent and found.same_pod:
            seen += ": the pod was not replaced"
    return Judgement(Outcome.PASSED if ok else Outcome.FAILED, expected, seen)
