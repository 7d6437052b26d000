"""The fake ``kind`` command (tests/fake_kind/kind.py) for pytest sessions run in a subprocess: it logs
each command line and keeps its clusters in a JSON file. Logic only: it stands in for kind where the
tests are about what podchaos asks of kind (which commands, how often), never about what a cluster
does."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# The script itself, shared with the e2e tests.
SCRIPT = Path(__file__).resolve().parents[1] / "fake_kind" / "kind.py"
# A Docker that answers ``docker info``: the sessions are users' CI, where kind runs as it is.
DOCKER = SCRIPT.with_name("docker.py")


@dataclass(frozen=True)
class FakeKindCommand:
    """The fake's directory (put it first on PATH) and its state."""

    bin_dir: Path
    state: Path

    @classmethod
    def install(cls, directory: Path, clusters: tuple[str, ...] = ()) -> FakeKindCommand:
        """Write the ``kind`` script into ``directory/bin``, knowing ``clusters``."""
        bin_dir = directory / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        kind = bin_dir / "kind"
        kind.write_text(f"#!{sys.executable}\n" + SCRIPT.read_text())
        kind.chmod(0o755)
        docker = bin_dir / "docker"
        docker.write_text(f"#!{sys.executable}\n" + DOCKER.read_text())
        docker.chmod(0o755)
        state = directory / "kind-state.json"
        state.write_text(json.dumps(list(clusters)))
        return cls(bin_dir, state)

    def environment(self, fail: str = "", error: str = "") -> dict[str, str]:
        """Variables for the session: the fake first on PATH (and no Go toolchain, so no image build)."""
        return {
            "PATH": f"{self.bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "FAKE_KIND_STATE": str(self.state),
            "FAKE_KIND_FAIL": fail,
            "FAKE_KIND_ERROR": error,
        }

    def calls(self) -> list[list[str]]:
        """Every command line the fake was given, in order."""
        log = self.state.with_suffix(".log")
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def count(self, verb: str) -> int:
        """How many times ``kind <verb>`` (``create cluster``) ran."""
        return sum(1 for call in self.calls() if " ".join(call[:2]) == verb)
