#!/usr/bin/env python3
"""A fake ``kind`` command for tests that run podchaos in a subprocess; installed as ``kind`` on PATH.

Logic only: it records what podchaos asks of kind and answers from a JSON file of cluster names; it
never runs a container. Environment:

- ``FAKE_KIND_STATE``: the clusters file; each command line is appended to ``<state>.log`` and the
  config of the last ``create cluster`` copied to ``created-from.yaml`` next to it;
- ``FAKE_KIND_FAIL`` / ``FAKE_KIND_ERROR``: the verb to fail (``create cluster``) and its message;
  a failed create with ``--retain`` keeps the cluster, as kind keeps the failed nodes;
- ``FAKE_KIND_KUBECONFIG``: the kubeconfig ``get kubeconfig`` prints; without it, one whose server
  (port 1 of the loopback address) refuses every connection.
"""

import json
import os
import pathlib
import shutil
import sys

UNREACHABLE = """apiVersion: v1
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


def main(args: list[str]) -> int:
    state = pathlib.Path(os.environ["FAKE_KIND_STATE"])
    with state.with_suffix(".log").open("a") as log:
        log.write(json.dumps(args) + "\n")
    clusters: list[str] = json.loads(state.read_text()) if state.exists() else []
    name = args[args.index("--name") + 1] if "--name" in args else "kind"
    verb = " ".join(args[:2])
    if verb == os.environ.get("FAKE_KIND_FAIL"):
        if verb == "create cluster" and "--retain" in args:
            clusters.append(name)
            state.write_text(json.dumps(clusters))
        sys.stderr.write(f"ERROR: failed to {verb}: {os.environ.get('FAKE_KIND_ERROR', 'fake')}\n")
        return 1
    if verb == "get clusters":
        print("\n".join(clusters))
    elif verb == "get nodes":
        if name in clusters:
            print(f"{name}-control-plane\n{name}-worker\n{name}-worker2")
    elif verb == "create cluster":
        if "--config" in args:
            shutil.copy(args[args.index("--config") + 1], state.with_name("created-from.yaml"))
        clusters.append(name)
    elif verb == "delete cluster":
        clusters.remove(name)
    elif verb == "get kubeconfig":
        given = os.environ.get("FAKE_KIND_KUBECONFIG")
        sys.stdout.write(pathlib.Path(given).read_text() if given else UNREACHABLE.format(name=name))
    elif verb == "export logs":
        folder = pathlib.Path(args[2])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kind-version.txt").write_text("fake kind\n")
    state.write_text(json.dumps(clusters))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
