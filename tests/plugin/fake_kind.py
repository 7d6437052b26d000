"""A fake ``kind`` command for pytest sessions run in a subprocess: it logs each command line and keeps
its clusters in a JSON file. Logic only: it stands in for kind where the tests are about what podchaos
asks of kind (which commands, how often), never about what a cluster does."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# Unreachable on purpose (port 1 of the loopback address): a run on this "cluster" errors at once.
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: kind-{name}
  cluster: {{server: "https://127.0.0.1:1"}}
contexts:
- name: kind-{name}
  context: {{cluster: kind-{name}, user: kind-{name}}}
current-context: kind-{name}
users:
- name: kind-{name}
  user: {{token: fake}}
"""

SCRIPT = """#!{python}
import json, os, pathlib, sys

state = pathlib.Path(os.environ["FAKE_KIND_STATE"])
args = sys.argv[1:]
with state.with_suffix(".log").open("a") as log:
    log.write(json.dumps(args) + "\\n")
clusters = json.loads(state.read_text()) if state.exists() else []
name = args[args.index("--name") + 1] if "--name" in args else "kind"
verb = " ".join(args[:2])
if verb == os.environ.get("FAKE_KIND_FAIL"):
    if verb == "create cluster" and "--retain" in args:
        clusters.append(name)
        state.write_text(json.dumps(clusters))
    sys.stderr.write("ERROR: failed to " + verb + ": " + os.environ.get("FAKE_KIND_ERROR", "fake") + "\\n")
    sys.exit(1)
if verb == "get clusters":
    print("\\n".join(clusters))
elif verb == "get nodes":
    print(name + "-control-plane" if name in clusters else "")
elif verb == "create cluster":
    clusters.append(name)
elif verb == "delete cluster":
    clusters.remove(name)
elif verb == "get kubeconfig":
    sys.stdout.write({kubeconfig!r}.format(name=name))
elif verb == "export logs":
    folder = pathlib.Path(args[2])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kind-version.txt").write_text("fake kind\\n")
state.write_text(json.dumps(clusters))
"""


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
        kind.write_text(SCRIPT.format(python=sys.executable, kubeconfig=KUBECONFIG))
        kind.chmod(0o755)
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
