"""The ``existing`` provider: any kubeconfig context, guarded against pointing chaos at production.

Chaos deletes and kills pods, so a context is used only when it is known to be disposable: named
explicitly with ``--podchaos-allow-context``, named like a throwaway cluster (``kind-*``, ``podchaos-local``),
served from this machine under a local cluster tool's context name (loopback: a tunnel to production
is loopback too), or served from the embedded local cluster's control-plane range.
The files are found as kubectl finds them (every path of ``$KUBECONFIG``, else ``~/.kube/config``);
each is checked with PyYAML for errors that name it, and several are merged by the Kubernetes client's
own loader (in ``podchaos.k8s``, the only package that may import it).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from podchaos.cluster.local.layout import CLUSTER_NAME as LOCAL_CLUSTER_NAME
from podchaos.cluster.provider import ClusterAccess
from podchaos.errors import ClusterError, UnsafeContext

KIND_CONTEXT_PREFIX = "kind-"
# Context names local cluster tools write into kubeconfigs: only under these is a loopback server
# taken for a throwaway cluster (a tunnel to production is loopback too).
LOCAL_TOOL_PREFIXES = (KIND_CONTEXT_PREFIX, "k3d-")
LOCAL_TOOL_CONTEXTS = frozenset(
    {LOCAL_CLUSTER_NAME, "minikube", "docker-desktop", "rancher-desktop", "orbstack", "colima"}
)
KIND_CONTROL_PLANE_SUFFIX = "-control-plane"

# The embedded local cluster puts its control plane and nodes on 10.250.0.0/24, on a device that
# is never routed off the machine (see podchaos.cluster.local.layout).
LOCAL_CONTROL_PLANE_NETWORK = ipaddress.ip_network("10.250.0.0/24")


@dataclass(frozen=True)
class KubeContext:
    """One kubeconfig context, with the API server URL of the cluster it points at."""

    name: str
    cluster: str
    server: str


@dataclass(frozen=True)
class Kubeconfig:
    """The parts of a kubeconfig (one file, or several merged) the guard needs."""

    paths: tuple[Path, ...]
    current_context: str | None
    contexts: tuple[KubeContext, ...]

    @property
    def where(self) -> str:
        """The file, or the files joined as ``$KUBECONFIG`` joins them, for messages."""
        return os.pathsep.join(str(path) for path in self.paths)

    def context(self, name: str | None) -> KubeContext:
        """The named context, or the current one when ``name`` is None; ClusterError if absent."""
        if name is None:
            if not self.current_context:
                raise ClusterError(f"{self.where}: no current-context is set; pass --podchaos-context NAME")
            name = self.current_context
        for context in self.contexts:
            if context.name == name:
                return context
        available = ", ".join(c.name for c in self.contexts) or "(none)"
        raise ClusterError(f"{self.where}: no context named {name!r}; available: {available}")


@dataclass(frozen=True)
class KubeconfigFiles:
    """The kubeconfig files kubectl would read, and how they were found (for messages)."""

    paths: tuple[Path, ...]
    found: str


def default_kubeconfig(environ: Mapping[str, str] | None = None, home: Path | None = None) -> KubeconfigFiles:
    """The kubeconfig kubectl would read: every existing path of $KUBECONFIG (kubectl leaves out the
    missing ones), else ``~/.kube/config``; ``paths`` is empty when there is no such file."""
    env = os.environ if environ is None else environ
    listed = [Path(entry.strip()).expanduser() for entry in env.get("KUBECONFIG", "").split(os.pathsep)]
    listed = [path for path in listed if str(path) not in {"", "."}]
    if listed:
        existing = tuple(dict.fromkeys(path for path in listed if path.is_file()))
        joined = os.pathsep.join(str(path) for path in listed)
        return KubeconfigFiles(existing, f"$KUBECONFIG ({joined})")
    path = (Path.home() if home is None else home) / ".kube" / "config"
    return KubeconfigFiles((path,) if path.is_file() else (), str(path))


def server_host(server: str) -> str | None:
    """The host part of an API server URL (brackets of IPv6 literals removed), or None."""
    # client-go accepts ``host:port`` without a scheme; urlsplit would read the host as a scheme.
    url = server if "://" in server else f"https://{server}"
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def host_is_local(host: str | None) -> bool:
    """Whether ``host`` is this machine (loopback, localhost) or the embedded local cluster."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # Any other name could resolve anywhere; only literal addresses can be trusted.
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address in LOCAL_CONTROL_PLANE_NETWORK


def host_in_local_cluster(host: str | None) -> bool:
    """Whether ``host`` is a literal address of the embedded local cluster's control-plane range."""
    try:
        return host is not None and ipaddress.ip_address(host) in LOCAL_CONTROL_PLANE_NETWORK
    except ValueError:
        return False


def host_is_private(host: str | None) -> bool:
    """Whether ``host`` is a private or link-local literal address, or kind's in-network name for its
    API server (``<cluster>-control-plane``): where a kind cluster is reached from a CI container."""
    if not host:
        return False
    if host.lower().rstrip(".").endswith(KIND_CONTROL_PLANE_SUFFIX):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_link_local


def context_is_disposable(name: str, server: str, allowed: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether chaos may run on context ``name`` whose cluster is served at ``server``.

    A server on this machine is not enough: an ``ssh -L`` or a tunnel to production is loopback too.
    Loopback, or an address a kind cluster could have, counts only under a context name a local
    cluster tool gives (``kind-*``, ``k3d-*``, ``minikube`` ..., ``podchaos-local``): a context merely
    *named* that way but pointing at a public address is what a renamed production cluster looks like.
    The embedded local cluster's own range (never routed off the machine) is disposable under any name.
    """
    if name in allowed:
        return True
    host = server_host(server)
    if host_in_local_cluster(host):
        return True
    disposable_name = name.startswith(LOCAL_TOOL_PREFIXES) or name in LOCAL_TOOL_CONTEXTS
    return disposable_name and (host_is_local(host) or host_is_private(host))


def _entries(document: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ClusterError(f"{path}: {key} must be a list of mappings")
    return value


def _named(
    entry: Mapping[str, Any], section: str, field: str, index: int, path: str
) -> tuple[str, Mapping[str, Any]]:
    """The ``name`` and ``field`` body of one ``section`` entry, such as ``contexts[0].context``."""
    name = entry.get("name")
    body = entry.get(field)
    if not isinstance(name, str) or not name:
        raise ClusterError(f"{path}: {section}[{index}].name must be a non-empty string")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ClusterError(f"{path}: {section}[{index}].{field} must be a mapping")
    return name, body


def parse_kubeconfig(text: str, path: Path) -> Kubeconfig:
    """Parse kubeconfig YAML ``text`` (read from ``path``); ClusterError names the file and problem."""
    return parse_document(_document(text, path), (path,))


def _document(text: str, path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ClusterError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ClusterError(f"{path}: not a kubeconfig (expected a mapping at the top level)")
    return document


def parse_document(document: Mapping[str, Any], paths: tuple[Path, ...]) -> Kubeconfig:
    """The contexts of a kubeconfig ``document`` read from ``paths``; ClusterError names the problem."""
    where = os.pathsep.join(str(path) for path in paths)
    servers: dict[str, str] = {}
    for index, entry in enumerate(_entries(document, "clusters", where)):
        name, cluster = _named(entry, "clusters", "cluster", index, where)
        server = cluster.get("server", "")
        if not isinstance(server, str):
            raise ClusterError(f"{where}: clusters[{index}].cluster.server must be a string")
        servers[name] = server

    contexts: list[KubeContext] = []
    for index, entry in enumerate(_entries(document, "contexts", where)):
        name, context = _named(entry, "contexts", "context", index, where)
        cluster_name = context.get("cluster")
        if not isinstance(cluster_name, str) or not cluster_name:
            raise ClusterError(f"{where}: contexts[{index}].context.cluster must be a non-empty string")
        if cluster_name not in servers:
            raise ClusterError(
                f"{where}: context {name!r} refers to cluster {cluster_name!r}, which is not defined"
            )
        contexts.append(KubeContext(name=name, cluster=cluster_name, server=servers[cluster_name]))

    current = document.get("current-context")
    if current is not None and not isinstance(current, str):
        raise ClusterError(f"{where}: current-context must be a string")
    return Kubeconfig(paths=paths, current_context=current or None, contexts=tuple(contexts))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ClusterError(f"{path}: kubeconfig file does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ClusterError(f"{path}: cannot read kubeconfig: {exc}") from exc


def load_kubeconfig(path: Path) -> Kubeconfig:
    """Read and parse the kubeconfig at ``path``; ClusterError if missing, unreadable or malformed."""
    return parse_kubeconfig(_read(path), path)


def load_kubeconfigs(paths: tuple[Path, ...]) -> Kubeconfig:
    """The kubeconfig of ``paths``: each file read and parsed on its own (its errors name it), several
    merged by the Kubernetes client's loader, as the connection will merge them. Entries are checked
    once merged: a context in one file may name a cluster defined in another."""
    if len(paths) == 1:
        return load_kubeconfig(paths[0])
    for path in paths:
        _document(_read(path), path)
    from podchaos.k8s.kubeconfig import merged_kubeconfig

    return parse_document(merged_kubeconfig(paths), paths)


def check_disposable(context: KubeContext, path: str, allowed: tuple[str, ...]) -> None:
    """Raise UnsafeContext unless chaos may run on ``context``."""
    if context_is_disposable(context.name, context.server, allowed):
        return
    server = context.server or "(no server URL)"
    raise UnsafeContext(
        f"refusing to run chaos on context {context.name!r} (server {server}, from {path}): it is not "
        f"known to be disposable (a server on this machine counts only under a local cluster tool's"
        f" context name such as kind-* or {LOCAL_CLUSTER_NAME}: an ssh tunnel is loopback too); if pods"
        f" there may be disrupted, pass --podchaos-allow-context {context.name}"
    )


class ExistingProvider:
    """Uses a context of an existing kubeconfig, after checking that it is safe to disrupt.

    ``kubeconfig`` is one file or several (merged as ``$KUBECONFIG``'s are); None: the files kubectl
    would read. Nothing is created, so ``release`` does nothing.
    """

    name = "existing"

    def __init__(
        self,
        kubeconfig: Path | tuple[Path, ...] | None = None,
        context: str | None = None,
        allowed_contexts: tuple[str, ...] = (),
    ) -> None:
        self.kubeconfig = (kubeconfig,) if isinstance(kubeconfig, Path) else kubeconfig
        self.context = context
        self.allowed_contexts = tuple(allowed_contexts)

    def ensure(self) -> ClusterAccess:
        paths = self.kubeconfig
        if paths is None:
            found = default_kubeconfig()
            if not found.paths:
                raise ClusterError(f"no kubeconfig: {found.found} does not exist")
            paths = found.paths
        kubeconfig = load_kubeconfigs(paths)
        context = kubeconfig.context(self.context)
        check_disposable(context, kubeconfig.where, self.allowed_contexts)
        # Hand out the resolved name, not None: the checked context must be the one used, even if
        # the file's current-context changes later in the session. Several files: the client merges
        # them itself from $KUBECONFIG's form of the list.
        return ClusterAccess(
            provider=self.name,
            kubeconfig=Path(kubeconfig.where),
            context=context.name,
            description=f"context {context.name} ({context.server or 'no server URL'}) "
            f"from {kubeconfig.where}",
        )

    def release(self) -> None:
        return None
