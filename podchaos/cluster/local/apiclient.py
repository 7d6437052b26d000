"""A few calls to the local apiserver over HTTPS with the admin certificate.

The cluster provider only needs health, node readiness and the cluster DNS's access rules while it
brings the cluster up; the Kubernetes client proper belongs to :mod:`podchaos.k8s`.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podchaos.errors import ClusterSetupError


@dataclass(frozen=True)
class NodeState:
    """A node as the apiserver reports it."""

    name: str
    ready: bool
    kubelet_version: str
    internal_ip: str
    unschedulable: bool


class AdminClient:
    """HTTPS requests to the apiserver with the cluster's admin client certificate."""

    def __init__(self, server: str, ca: Path, cert: Path, key: Path) -> None:
        self.server = server
        self.context = ssl.create_default_context(cafile=str(ca))
        self.context.load_cert_chain(str(cert), str(key))

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, str]:
        """Status code and body; (0, reason) when the server cannot be reached."""
        return self._send(urllib.request.Request(self.server + path), timeout)

    def apply(self, collection: str, manifest: dict[str, Any], timeout: float = 5.0) -> None:
        """Create the object in ``collection`` (an API path), or replace it when it exists."""
        body = json.dumps(manifest).encode()
        headers = {"Content-Type": "application/json"}
        status, text = self._send(
            urllib.request.Request(self.server + collection, body, headers, method="POST"), timeout
        )
        if status == 409:
            named = f"{collection}/{manifest['metadata']['name']}"
            status, text = self._send(
                urllib.request.Request(self.server + named, body, headers, method="PUT"), timeout
            )
        if status not in (200, 201):
            raise ClusterSetupError(
                f"could not write {collection}/{manifest['metadata']['name']}: {status} {text}"
            )

    def _send(self, request: urllib.request.Request, timeout: float) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as error:
            return 0, str(getattr(error, "reason", error))

    def ready(self) -> bool:
        status, _ = self.get("/readyz")
        return status == 200

    def nodes(self) -> list[NodeState]:
        status, body = self.get("/api/v1/nodes")
        if status != 200:
            return []
        return [_node(item) for item in json.loads(body).get("items", [])]

    def server_version(self) -> str:
        status, body = self.get("/version")
        return str(json.loads(body).get("gitVersion", "")) if status == 200 else ""


def _node(item: dict[str, Any]) -> NodeState:
    conditions = item.get("status", {}).get("conditions", [])
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    addresses = item.get("status", {}).get("addresses", [])
    internal = next((a.get("address", "") for a in addresses if a.get("type") == "InternalIP"), "")
    return NodeState(
        name=item["metadata"]["name"],
        ready=ready,
        kubelet_version=item.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", ""),
        internal_ip=internal,
        unschedulable=bool(item.get("spec", {}).get("unschedulable", False)),
    )


def http_ok(url: str, timeout: float = 2.0) -> bool:
    """True when a local health endpoint answers 200 (self-signed certificates accepted)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, context=context, timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
