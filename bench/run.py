"""podchaos benchmarks: print numbers for the speed and memory targets (no pass/fail here).

    python bench/run.py            # pure benchmarks: loading, judging, measuring, reports, metrics
    python bench/run.py --cluster  # plus the embedded local cluster: `up` when running, idle memory
    python bench/run.py --cluster --restart  # also `down` then `up` from the build cache (disruptive)

Targets (what a nightly run of the catalogue needs): loading a scenario file well under 10 ms; judging
a 10-minute flapping timeline under 50 ms per verdict (the runner judges after every watch event);
rendering the HTML report of a 50-scenario night under 1 s; an idle two-node cluster in a few GiB.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from podchaos import __version__
from podchaos.catalogue import discover
from podchaos.cluster.local.layout import Layout
from podchaos.loader import load_scenario
from podchaos.model import (
    ClusterInfo,
    ContainerSnapshot,
    FaultRecord,
    PodReady,
    PodSnapshot,
    RestartCount,
    RunReport,
    RunResult,
    ScenarioRun,
    Timeline,
    TimelineEntry,
)
from podchaos.model.measure import measure
from podchaos.model.timeline import Termination
from podchaos.report.html import render_html
from podchaos.report.json_report import report_to_dict
from podchaos.report.metrics import build_registry, exposition
from podchaos.verdict import judge_all

ROOT = Path(__file__).resolve().parents[1]


def timed(what: str, action: Callable[[], object], repeat: int = 5, unit: str = "ms") -> float:
    """Best and median of ``repeat`` runs; prints one line and returns the best in seconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    scale = 1000.0 if unit == "ms" else 1.0
    best, median = min(samples) * scale, statistics.median(samples) * scale
    show(what, f"best {best:9.2f} {unit}   median {median:9.2f} {unit}")
    return min(samples)


def show(what: str, value: str) -> None:
    print(f"{what:<58} {value}")


def flapping_timeline(seconds: int) -> Timeline:
    """A pod whose container is killed and restarts every second, as the observer records it."""
    entries: list[TimelineEntry] = [PodSnapshot(0.5, "web", "uid", "node-1", "Running", True, False)]
    entries.append(FaultRecord(1.2, "container-kill", "web", "uid", "app", "SIGKILL to host PID 1"))
    for second in range(seconds):
        for at, state, ready in ((second + 1.5, "terminated", False), (second + 2.0, "running", True)):
            entries.append(
                ContainerSnapshot(
                    at=at,
                    pod="web",
                    pod_uid="uid",
                    container="app",
                    role="main",
                    state=state,  # type: ignore[arg-type]
                    reason="Error" if state == "terminated" else "",
                    restart_count=second + (state == "running"),
                    ready=ready,
                    container_id=f"containerd://{second}",
                    last_termination=Termination("Error", 137) if second else None,
                )
            )
            entries.append(PodSnapshot(at, "web", "uid", "node-1", "Running", ready, False))
    return Timeline().plus(*entries)


def scenario_run(timeline: Timeline, index: int) -> ScenarioRun:
    expectations = (RestartCount("app", 1), PodReady(within=30.0))
    result = RunResult(
        scenario=f"bench-{index}",
        namespace=f"pc-bench-{index}",
        verdict=judge_all(expectations, timeline, timeline.entries[-1].at, final=True),
        timeline=timeline,
        started_at="2026-01-01T00:00:00+00:00",
        duration_s=30.0,
        expectations=expectations,
    )
    return ScenarioRun(result=result, cluster=ClusterInfo("local", "bench", "v1.35.4"))


def pure_benchmarks() -> None:
    print("== pure (no cluster) ==")
    files = list(discover([ROOT / "scenarios"]).values())
    timed(
        f"load and validate {len(files)} catalogue scenario files",
        lambda: [load_scenario(f) for f in files],
    )

    ten_minutes = flapping_timeline(600)
    show("flapping timeline, 10 minutes", f"{len(ten_minutes.entries)} entries")
    expectations = (RestartCount("app", 600), PodReady(within=30.0))
    timed("judge_all over it (one verdict)", lambda: judge_all(expectations, ten_minutes, 601.0, final=True))
    timed("measure recovery times over it", lambda: measure(ten_minutes))

    tracemalloc.start()
    flapping_timeline(600)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_entry = peak / len(ten_minutes.entries)
    show("memory to build it (tracemalloc peak)", f"{peak / 1024:9.0f} KiB  ({per_entry:.0f} B/entry)")

    typical = flapping_timeline(5)
    night = RunReport(
        "bench", "2026-01-01T00:00:00+00:00", __version__, tuple(scenario_run(typical, i) for i in range(50))
    )
    timed("render HTML report, 50 typical scenarios", lambda: render_html(night))
    timed("encode results.json document, 50 scenarios", lambda: report_to_dict(night))
    show("HTML size, 50 scenarios", f"{len(render_html(night)) / 1024:9.0f} KiB")
    long_run = replace(night, runs=(scenario_run(ten_minutes, 0),))
    timed("render HTML report, one 10-minute flapping scenario", lambda: render_html(long_run))
    results = [run.result for run in night.runs]
    timed("build registry + exposition, 50 runs", lambda: exposition(build_registry(results)))


def _cluster_processes(layout: Layout) -> list[int]:
    """Every process of the embedded cluster: its daemons (pidfiles), the containerd shims (which
    daemonize away from containerd) and everything running in the nodes' pod cgroups."""
    daemons = (
        {int(f.read_text().split()[0]) for f in layout.pids.glob("*")} if layout.pids.exists() else set()
    )
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cgroup = (entry / "cgroup").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        shim = "containerd-shim" in cmdline and str(layout.run) in cmdline
        if pid in daemons or shim or "/podchaos-node-" in cgroup:
            found.append(pid)
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def cluster_benchmarks(restart: bool) -> None:
    print("== embedded local cluster ==")
    podchaos = [sys.executable, "-m", "podchaos.cli"]
    if restart:
        # Stops every run using the cluster: only on request.
        timed(
            "`podchaos cluster down`",
            lambda: subprocess.run([*podchaos, "cluster", "down"], check=True, capture_output=True),
            repeat=1,
            unit="s",
        )
        timed(
            "warm `podchaos cluster up` (cached binaries) to both nodes Ready",
            lambda: subprocess.run([*podchaos, "cluster", "up"], check=True, capture_output=True),
            repeat=1,
            unit="s",
        )
    timed(
        "`podchaos cluster up` on a healthy cluster",
        lambda: subprocess.run([*podchaos, "cluster", "up"], check=True, capture_output=True),
        repeat=3,
    )
    time.sleep(10)  # let the just-checked components settle to idle
    pids = _cluster_processes(Layout.default())
    total = sum(_pss_kib(pid) for pid in pids)
    show(
        "idle cluster memory (PSS: daemons, shims, pods)",
        f"{total / 1024:9.0f} MiB over {len(pids)} processes",
    )
    for pid in pids:
        name = Path(f"/proc/{pid}/comm").read_text().strip() if Path(f"/proc/{pid}/comm").exists() else "?"
        if _pss_kib(pid) > 20 * 1024:
            print(f"    {name:<30} {_pss_kib(pid) / 1024:7.0f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cluster", action="store_true", help="also benchmark the embedded local cluster (root)"
    )
    parser.add_argument(
        "--restart", action="store_true", help="with --cluster: also time down + a warm up (disruptive)"
    )
    args = parser.parse_args()
    pure_benchmarks()
    if args.cluster:
        cluster_benchmarks(args.restart)
    return 0


if __name__ == "__main__":
    sys.exit(main())
