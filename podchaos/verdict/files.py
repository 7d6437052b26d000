"""Rules about files podchaos wrote before the fault and read back after recovery (emptyDir)."""

from __future__ import annotations

from podchaos.model.expectations import EmptyDirKept, EmptyDirLost
from podchaos.model.timeline import FileProbe, Timeline
from podchaos.model.verdict import Outcome
from podchaos.verdict.common import Judgement


def probes(timeline: Timeline, container: str, path: str) -> tuple[FileProbe | None, FileProbe | None]:
    probes = [p for p in timeline.of_type(FileProbe) if p.container == container and p.path == path]
    before = next((p for p in probes if p.phase == "before-fault"), None)
    after = next((p for p in reversed(probes) if p.phase == "after-recovery"), None)
    return before, after


def emptydir(e: EmptyDirKept | EmptyDirLost, timeline: Timeline) -> Judgement:
    keep = isinstance(e, EmptyDirKept)
    expected = f"{e.path} in {e.container} {'kept' if keep else 'gone'} after recovery"
    before, after = probes(timeline, e.container, e.path)
    if before is None or before.content is None:
        return Judgement(Outcome.FAILED, expected, f"podchaos could not write {e.path} before the fault")
    if after is None:
        return Judgement(Outcome.PENDING, expected, "not read back yet")
    where = "same pod" if after.pod_uid == before.pod_uid else f"new pod {after.pod} (new UID)"
    if after.content is None:
        seen = f"absent in {where}"
    elif after.content == before.content:
        seen = f"same content in {where}"
    else:
        seen = f"different content in {where}: {after.content[:60]!r}"
    kept = after.content == before.content
    return Judgement(Outcome.PASSED if kept == keep else Outcome.FAILED, expected, seen)
