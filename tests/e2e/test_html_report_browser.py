"""The HTML report in a real browser: headless Debian chromium loads it without console errors, its DOM
holds every scenario and lane, and it screenshots to a picture with content."""

from __future__ import annotations

import struct
import subprocess
import time
from pathlib import Path

import pytest
from host_tools import CHROMIUM, require

from podchaos import __version__
from podchaos.model import (
    ClusterInfo,
    ContainerKill,
    ContainerSnapshot,
    EventRecord,
    FaultRecord,
    PodDelete,
    PodGone,
    PodReady,
    PodSnapshot,
    RestartCount,
    RunReport,
    RunResult,
    ScenarioRun,
    Timeline,
    TimelineEntry,
)
from podchaos.model.timeline import Termination
from podchaos.report.html import render_html
from podchaos.verdict import judge_all

WINDOW = (1280, 2400)


def chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Headless chromium with everything that would reach the network switched off."""
    binary = require(CHROMIUM)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run(
        [str(binary), *flags, *arguments], check=False, capture_output=True, text=True, timeout=180
    )


def console_messages(stderr: str) -> list[str]:
    """Chromium's log lines for the page's console (``...:CONSOLE:1] "Uncaught ..."``)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def container(at: float, pod: str, uid: str, name: str, state: str, restarts: int = 0) -> ContainerSnapshot:
    return ContainerSnapshot(
        at=at,
        pod=pod,
        pod_uid=uid,
        container=name,
        role="main",
        state=state,  # type: ignore[arg-type]
        reason="Error" if state == "terminated" else "",
        restart_count=restarts,
        ready=state == "running",
        container_id=f"containerd://{name}-{restarts}",
        last_termination=Termination("Error", 137) if restarts else None,
    )


def pod(at: float, name: str, uid: str, node: str, ready: bool, deleting: bool = False) -> PodSnapshot:
    return PodSnapshot(at, name, uid, node, "Running" if node else "Pending", ready, deleting)


def two_scenarios() -> RunReport:
    kill_entries: list[TimelineEntry] = [
        pod(1.0, "orders", "u1", "node-1", True),
        *(container(1.0, "orders", "u1", name, "running") for name in ("app", "db-proxy", "log-agent")),
        FaultRecord(10.0, "container-kill", "orders", "u1", "log-agent", "SIGKILL to host PID 4242"),
        container(10.4, "orders", "u1", "log-agent", "terminated"),
        pod(10.5, "orders", "u1", "node-1", False),
        container(11.2, "orders", "u1", "log-agent", "running", restarts=1),
        pod(11.9, "orders", "u1", "node-1", True),
    ]
    kill_expectations = (RestartCount("log-agent", 1), PodReady(30.0))
    delete_entries: list[TimelineEntry] = [
        pod(1.0, "web-a", "a", "node-1", True),
        container(1.0, "web-a", "a", "server", "running"),
        FaultRecord(5.0, "pod-delete", "web-a", "a", "", "grace period 5s"),
        EventRecord(5.1, "web-a", "Killing", "Stopping container server", "Normal"),
        pod(5.2, "web-a", "a", "node-1", True, deleting=True),
        pod(5.6, "web-b", "b", "", False),
        pod(5.9, "web-b", "b", "node-2", False),
        container(6.5, "web-b", "b", "server", "waiting"),
        PodGone(7.0, "web-a", "a"),
        container(7.5, "web-b", "b", "server", "running"),
        pod(8.5, "web-b", "b", "node-2", True),
    ]
    delete_expectations = (PodReady(2.0),)
    runs = []
    for name, entries, faults, expectations in (
        ("sidecar-kill", kill_entries, (ContainerKill("log-agent"),), kill_expectations),
        ("pod-delete-replace", delete_entries, (PodDelete(grace_period=5.0),), delete_expectations),
    ):
        timeline = Timeline().plus(*entries)
        result = RunResult(
            scenario=name,
            namespace=f"pc-{name}-0badcafe",
            verdict=judge_all(expectations, timeline, 15.0, final=True),
            timeline=timeline,
            started_at="2025-01-01T10:00:00+00:00",
            duration_s=20.0,
            diagnostics=("pod web-b phase=Running ready=True node=node-2",),
            faults=faults,
            expectations=expectations,
        )
        runs.append(
            ScenarioRun(
                result=result,
                description=f"{name} in the browser",
                cluster=ClusterInfo("local", "embedded local cluster", "v1.35.4"),
                podchaos_version=__version__,
            )
        )
    return RunReport("20250101T100000Z-b40253", "2025-01-01T10:01:00+00:00", __version__, tuple(runs))


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_text(render_html(two_scenarios()))
    return path


def test_the_console_check_catches_a_script_error(tmp_path: Path) -> None:
    # Proves the log scanning below would see an error: this page throws on load.
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><body><script>throw new Error("boom")</script></body></html>')
    loaded = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert any("Uncaught Error: boom" in line for line in console_messages(loaded.stderr)), loaded.stderr[
        -3000:
    ]


def test_the_report_loads_without_console_errors_and_holds_every_scenario(
    report_file: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    loaded = chromium(tmp_path / "profile", "--dump-dom", report_file.as_uri())
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert console_messages(loaded.stderr) == []
    dom = loaded.stdout
    for scenario in ("sidecar-kill", "pod-delete-replace"):
        assert f'data-scenario="{scenario}"' in dom
    assert dom.count("<svg") == 2
    for lane in ("orders/app", "orders/db-proxy", "orders/log-agent", "web-a/server", "web-b/server"):
        assert f'data-lane="{lane}"' in dom
    assert time.monotonic() - started < 120


def test_the_report_screenshot_has_content(report_file: Path, tmp_path: Path) -> None:
    size = f"--window-size={WINDOW[0]},{WINDOW[1]}"
    shot = tmp_path / "report.png"
    taken = chromium(tmp_path / "profile", size, f"--screenshot={shot}", report_file.as_uri())
    assert taken.returncode == 0, taken.stderr[-3000:]
    assert console_messages(taken.stderr) == []
    assert png_size(shot) == WINDOW
    # The same window over an empty page: the report's picture must hold far more than that.
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    empty = tmp_path / "blank.png"
    chromium(tmp_path / "profile", size, f"--screenshot={empty}", blank.as_uri())
    assert png_size(empty) == WINDOW
    assert shot.stat().st_size > 5 * empty.stat().st_size, (shot.stat().st_size, empty.stat().st_size)
