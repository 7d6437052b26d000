"""Daemons of the local cluster: started detached, tracked by pid files, stopped by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


def _start_time(pid: int) -> str | None:
    """The kernel's start time of a process (guards against PID reuse), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may contain spaces): state is field 3, start time field 22.
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in {"Z", "X"}:
        return None  # exited, waiting to be reaped: not running any more
    return fields[19]


@dataclass(frozen=True)
class Daemon:
    """A long-running component: how to start it and where its pid file and log live."""

    name: str
    argv: tuple[str, ...]
    pid_file: Path
    log_file: Path
    env: Mapping[str, str] = field(default_factory=dict)

    def pid(self) -> int | None:
        """The PID recorded for this daemon if that process still runs."""
        try:
            pid_text, started = self.pid_file.read_text().split()
            pid = int(pid_text)
        except (OSError, ValueError):
            return None
        return pid if _start_time(pid) == started else None

    def running(self) -> bool:
        return self.pid() is not None

    def running_argv(self) -> tuple[str, ...] | None:
        """The command line the running process was started with (None when it does not run)."""
        pid = self.pid()
        if pid is None:
            return None
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return tuple(word.decode(errors="replace") for word in raw.split(b"\0")[:-1])

    def start(self) -> int:
        """Start detached (own session, so a Ctrl-C of podchaos does not reach it); returns the PID."""
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            log.write(f"\n--- podchaos starting {self.name}: {' '.join(self.argv)}\n".encode())
            log.flush()
            process = subprocess.Popen(
                list(self.argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
                close_fds=True,
            )
        started = _start_time(process.pid)
        self.pid_file.write_text(f"{process.pid} {started}\n")
        return process.pid

    def exited_early(self) -> bool:
        """True when the daemon was started but is no longer running."""
        return self.pid_file.exists() and not self.running()

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; removes the pid file."""
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, timeout)
        self.pid_file.unlink(missing_ok=True)


def stop_pid(pid: int, timeout: float = 15.0) -> None:
    """Stop one process we started: SIGTERM, wait, then SIGKILL."""
    started = _start_time(pid)
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            _reap(pid)
            if _start_time(pid) != started:
                return
            time.sleep(0.1)


def _reap(pid: int) -> None:
    # Our own children must be reaped or they linger as zombies with a start time.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def pids_matching(predicate_argv: Sequence[str]) -> list[int]:
    """PIDs whose command line contains every given argument (exact argument match)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = {word.decode(errors="replace") for word in argv}
        if all(arg in words for arg in predicate_argv):
            found.append(int(entry.name))
    return found
