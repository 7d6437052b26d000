"""The podchaos command for a user: help that says what each command does, needs and changes, with no
markup; output piped into head ends quietly; `podchaos new` writes a scenario the loader accepts;
`podchaos report --format markdown` summarises a run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from podchaos.catalogue import load
from podchaos.cli import build_parser, main

COMMANDS = ("cluster", "scenarios", "sweep", "report", "schema", "new")


def help_text(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "podchaos.cli", *args, "--help"], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_every_command_has_help_without_markup() -> None:
    top = help_text()
    for command in COMMANDS:
        assert command in top
        text = help_text(command)
        for markup in ("``", ":class:", ":func:"):
            assert markup not in text, f"{command}: {text}"
        assert "cluster" in text.lower() or "no cluster" in text.lower(), (
            f"{command}: says nothing of a cluster"
        )
    assert "Needs root" in help_text("cluster")
    assert "changes nothing" in help_text("scenarios") or "Reads files only" in help_text("scenarios")


def test_output_piped_into_head_ends_quietly() -> None:
    done = subprocess.run(
        f"{sys.executable} -m podchaos.cli scenarios | head -1;"
        f" {sys.executable} -m podchaos.cli schema | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) == 2


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  replicas: 1
  selector: {matchLabels: {app: orders}}
  template:
    metadata: {labels: {app: orders}}
    spec:
      terminationGracePeriodSeconds: 20
      containers:
        - name: app
          image: docker.io/library/busybox:1.35
          command: [sh, -c, "touch /tmp/ready; sleep 3600"]
          readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 2}
          volumeMounts: [{name: cache, mountPath: /cache}]
        - name: log-agent
          image: docker.io/library/busybox:1.35
          command: [sleep, "3600"]
      volumes: [{name: cache, emptyDir: {}}]
"""


def test_new_scaffolds_a_scenario_the_loader_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifests = tmp_path / "k8s"
    manifests.mkdir()
    (manifests / "orders.yaml").write_text(DEPLOYMENT)
    output = tmp_path / "chaos" / "orders-kill.scenario.yaml"
    assert main(["new", str(manifests / "orders.yaml"), "-o", str(output)]) == 0
    assert capsys.readouterr().out.strip() == str(output)
    scenario = load(output)
    assert scenario.name == "orders-kill"
    document = yaml.safe_load(output.read_text())
    assert document["workload"] == {"target": {"app": "orders"}, "files": ["../k8s/orders.yaml"]}
    kinds = [(e["type"], e.get("container")) for e in document["expect"]]
    assert kinds == [
        ("restart-count", "app"),
        ("last-terminated", "app"),
        ("restart-count", "log-agent"),
        ("pod-ready", None),
        ("emptydir-kept", "app"),
    ]
    assert "traffic" not in document  # no Service in front of it
    # Editors find the schema the first line names, written beside the scenario.
    assert output.read_text().splitlines()[0] == "# yaml-language-server: $schema=scenario.schema.json"
    schema = json.loads((output.parent / "scenario.schema.json").read_text())
    assert "workload" in schema["properties"]
    # Never overwrites.
    assert main(["new", str(manifests / "orders.yaml"), "-o", str(output)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_new_writes_traffic_for_a_service_in_front_of_a_ready_checked_pod(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web = DEPLOYMENT.replace(
        "readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 2}",
        "readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 2}",
    )
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: orders}\n"
    service += "spec: {selector: {app: orders}, ports: [{port: 80, targetPort: 8080}]}\n---\n"
    (tmp_path / "orders.yaml").write_text(service + web)
    (tmp_path / "scenario.schema.json").write_text("{}")  # an existing schema is left as it is
    assert main(["new", str(tmp_path / "orders.yaml")]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert load(written).traffic is not None
    assert yaml.safe_load(written.read_text())["traffic"] == {
        "service": "orders",
        "port": 80,
        "mode": "http",
        "path": "/healthz",
        "rate": 20,
        "timeout": "1s",
        "steady": "3s",
    }
    assert (tmp_path / "scenario.schema.json").read_text() == "{}"


def test_new_refuses_a_manifest_without_a_workload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n")
    assert main(["new", str(path)]) == 2
    assert "expected a Deployment, StatefulSet, Pod; found Service" in capsys.readouterr().err


def test_the_parser_lists_every_command() -> None:
    parser = build_parser()
    text = parser.format_help()
    for command in COMMANDS:
        assert command in text
