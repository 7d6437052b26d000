"""The Kubernetes API as podchaos uses it. Every call goes through :class:`CallPolicy`: its errors
translated, the transient ones retried for the length of an outage (``outage_s``), and every outage
recorded in :attr:`Kube.health`."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from kubernetes import client, config, utils

from podchaos.errors import ClusterError, Conflict, ObjectNotFound
from podchaos.k8s import heartbeat
from podchaos.k8s.convert import (
    NodeInfo,
    endpoints_snapshot,
    event_record,
    job_snapshot,
    node_info,
    pod_state,
)
from podchaos.k8s.execute import ExecChannel, ExecResult, ExecTarget, read_exec
from podchaos.k8s.leases import LeaseCalls
from podchaos.k8s.outage import SLOW_S, ApiHealth
from podchaos.k8s.streams import LogStream, Stopper, stopped_after
from podchaos.k8s.timeouts import READ_S, bound_requests
from podchaos.k8s.translate import DEFAULT_OUTAGE_S, CallPolicy, translated
from podchaos.k8s.watch import SYNCED, HeldWindow, watch_collection
from podchaos.model.controllers import JobSnapshot
from podchaos.model.timeline import EndpointsSnapshot, EventRecord, PodState


class Kube(LeaseCalls):
    """A connection to one cluster (kubeconfig + context)."""

    def __init__(
        self, api_client: client.ApiClient, outage_s: float = DEFAULT_OUTAGE_S, read_timeout_s: float = READ_S
    ) -> None:
        bound_requests(api_client, read_s=read_timeout_s)
        self.policy = CallPolicy(outage_s)
        self._call = self.policy.call
        self._api = api_client
        self._core = client.CoreV1Api(api_client)
        self._discovery = client.DiscoveryV1Api(api_client)
        self._batch = client.BatchV1Api(api_client)
        self._coordination = client.CoordinationV1Api(api_client)
        self._version_api = client.VersionApi(api_client)
        self._execs = ExecChannel(api_client.configuration)

    @classmethod
    def from_kubeconfig(
        cls, path: Path | None, context: str | None = None, outage_s: float = DEFAULT_OUTAGE_S
    ) -> Kube:
        """Connect using a kubeconfig file (None: the default loading rules); calls ride out an API
        outage of up to ``outage_s`` seconds."""
        with translated(f"load kubeconfig {path or '(default)'}"):
            try:
                api_client = config.new_client_from_config(
                    config_file=str(path) if path else None, context=context
                )
            except config.ConfigException as exc:
                raise ClusterError(f"cannot use kubeconfig {path or '(default)'}: {exc}") from exc
        return cls(api_client, outage_s)

    @property
    def health(self) -> ApiHealth:
        """The outages this connection's calls and watches rode out (or are riding out)."""
        return self.policy.health

    def close(self) -> None:
        """Close the connections of both API clients (the shared one and the execs' own)."""
        self._execs.close()
        self._api.close()

    # --- cluster ---------------------------------------------------------------------------
    def server_version(self) -> str:
        return str(self._call("read server version", self._version_api.get_code).git_version)

    def nodes(self) -> list[NodeInfo]:
        """Every node, in one list call."""
        nodes: list[Any] = self._call("list nodes", self._core.list_node).items
        return [node_info(node) for node in nodes]

    def node(self, name: str) -> NodeInfo:
        """One node; ObjectNotFound when it does not exist."""
        return node_info(self._call(f"read node {name}", lambda: self._core.read_node(name)))

    def set_unschedulable(
        self, node: str, unschedulable: bool, annotations: Mapping[str, str | None] | None = None
    ) -> None:
        """Cordon (True) or uncordon (False) a node, setting (None: removing) ``annotations`` in the
        same patch, so a mark naming who cordoned it never exists without the cordon or vice versa."""
        body: dict[str, Any] = {"spec": {"unschedulable": unschedulable or None}}
        if annotations:
            body["metadata"] = {"annotations": dict(annotations)}
        # The same merge patch twice is the same node: retrying is safe.
        self._call(
            f"{'cordon' if unschedulable else 'uncordon'} node {node}",
            lambda: self._core.patch_node(node, body),
        )

    # --- namespaces ------------------------------------------------------------------------
    def create_namespace(
        self, name: str, labels: Mapping[str, str], annotations: Mapping[str, str] | None = None
    ) -> None:
        meta = client.V1ObjectMeta(
            name=name, labels=dict(labels), annotations=dict(annotations or {}) or None
        )
        body = client.V1Namespace(metadata=meta)
        self.policy.change(f"create namespace {name}", lambda: self._core.create_namespace(body), Conflict)

    def delete_namespace(self, name: str) -> None:
        """Start deleting a namespace; ObjectNotFound when it is already gone."""
        self.policy.change(
            f"delete namespace {name}",
            lambda: self._core.delete_namespace(
                name, grace_period_seconds=0, propagation_policy="Background"
            ),
            ObjectNotFound,
        )

    def namespace_exists(self, name: str) -> bool:
        """True when namespace ``name`` exists (not deleted yet)."""
        if not name:
            # GET /api/v1/namespaces/ answers with the namespace list: "" would always exist.
            return False
        try:
            self._call(f"read namespace {name}", lambda: self._core.read_namespace(name))
        except ObjectNotFound:
            return False
        return True

    def heartbeat(self, namespace: str) -> bool:
        """One beat (:mod:`podchaos.k8s.heartbeat`): a quorum read of the namespace, reported to
        :attr:`health`; True when the API answered."""
        bound = (heartbeat.TIMEOUT_S, heartbeat.TIMEOUT_S)
        read = lambda: self._core.read_namespace(namespace, _request_timeout=bound)  # noqa: E731
        return heartbeat.beat(read, self.policy, f"heartbeat: read namespace {namespace}")

    def service_account_exists(self, namespace: str, name: str) -> bool:
        """True when ServiceAccount ``namespace/name`` exists."""
        try:
            self._call(
                f"read serviceaccount {namespace}/{name}",
                lambda: self._core.read_namespaced_service_account(name, namespace),
            )
        except ObjectNotFound:
            return False
        return True

    def namespace_annotations(self, name: str) -> dict[str, str]:
        """A namespace's annotations (ObjectNotFound when it is gone)."""
        namespace: Any = self._call(f"read namespace {name}", lambda: self._core.read_namespace(name))
        return dict(namespace.metadata.annotations or {})

    def namespaces_labelled(self, selector: str) -> dict[str, float]:
        """Namespaces with these labels -> their age in seconds (by this machine's clock)."""
        namespaces: list[Any] = self._call(
            f"list namespaces {selector}", lambda: self._core.list_namespace(label_selector=selector)
        ).items
        now = datetime.datetime.now(datetime.UTC)
        return {
            str(ns.metadata.name): (now - ns.metadata.creation_timestamp).total_seconds() for ns in namespaces
        }

    # --- objects -----------------------------------------------------------------------------
    def create(self, manifest: dict[str, Any], namespace: str) -> None:
        """Create one object of any built-in kind in ``namespace``."""
        kind = manifest.get("kind", "?")
        name = manifest.get("metadata", {}).get("name", "?")

        def create() -> None:
            try:
                utils.create_from_dict(self._api, manifest, namespace=namespace)
            except utils.FailToCreateError as exc:
                # One object, one answer: let it be translated (and retried when transient).
                if len(exc.api_exceptions) == 1:
                    raise exc.api_exceptions[0] from exc
                details = "; ".join(f"{e.status} {e.reason}: {e.body}" for e in exc.api_exceptions)
                raise ClusterError(f"create {kind}/{name} in {namespace} failed: {details}") from exc

        self.policy.change(f"create {kind}/{name} in {namespace}", create, Conflict)

    # --- pods --------------------------------------------------------------------------------
    def pods(self, namespace: str, selector: str = "", at: float = 0.0) -> list[PodState]:
        """Pods matching ``selector`` with their containers, stamped ``at``."""
        items = self._call(
            f"list pods in {namespace}",
            lambda: self._core.list_namespaced_pod(namespace, label_selector=selector),
        ).items
        return [pod_state(item, at) for item in items]

    def pod_labels(self, namespace: str) -> dict[str, dict[str, str]]:
        """Every pod of the namespace -> its labels (what a target selector could have matched)."""
        items: list[Any] = self._call(
            f"list pods in {namespace}", lambda: self._core.list_namespaced_pod(namespace)
        ).items
        return {str(item.metadata.name): dict(item.metadata.labels or {}) for item in items}

    def pod(self, namespace: str, name: str, at: float = 0.0) -> PodState:
        """One pod with its containers; ObjectNotFound when it is gone."""
        read = self._call(
            f"read pod {namespace}/{name}", lambda: self._core.read_namespaced_pod(name, namespace)
        )
        return pod_state(read, at)

    def create_pod(self, namespace: str, manifest: dict[str, Any]) -> None:
        # The client serialises plain dicts as they are; no need to build V1Pod models.
        body: Any = manifest
        self.policy.change(
            f"create pod {manifest['metadata']['name']}",
            lambda: self._core.create_namespaced_pod(namespace, body),
            Conflict,
        )

    def delete_pod(self, namespace: str, name: str, grace_period: int | None, force: bool = False) -> None:
        """Delete a pod; ``force`` with grace 0 removes the API object at once."""
        grace = 0 if force else grace_period
        self.policy.change(
            f"delete pod {namespace}/{name}",
            lambda: self._core.delete_namespaced_pod(name, namespace, grace_period_seconds=grace),
            ObjectNotFound,
        )

    def delete_pods_now(self, namespace: str) -> None:
        """Delete every pod of the namespace with grace 0."""
        self._call(
            f"delete pods in {namespace}",
            lambda: self._core.delete_collection_namespaced_pod(namespace, grace_period_seconds=0),
        )

    def evict(self, namespace: str, name: str) -> None:
        """Evict a pod through the Eviction API; TooManyRequests when a PodDisruptionBudget forbids it."""
        body = client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace=namespace))
        # A 429 with a PodDisruptionBudget's cause is the answer, never retried here (see transient_wait).
        self._call(
            f"evict pod {namespace}/{name}",
            lambda: self._core.create_namespaced_pod_eviction(name, namespace, body),
        )

    def memory_limit(self, namespace: str, pod: str, container: str) -> str:
        """The container's memory limit as written in the pod spec ("" when it has none)."""
        spec: Any = self._call(
            f"read pod {namespace}/{pod}", lambda: self._core.read_namespaced_pod(pod, namespace)
        ).spec
        for item in [*(spec.init_containers or []), *(spec.containers or [])]:
            if item.name == container:
                limits = (item.resources.limits if item.resources else None) or {}
                return str(limits.get("memory", ""))
        return ""

    def exec(
        self, namespace: str, pod: str, container: str, command: list[str], timeout: float = 30
    ) -> ExecResult:
        """Run a command in a container; returns its output and exit code."""
        target = ExecTarget(namespace, pod, container, tuple(command))

        def run_once() -> ExecResult:
            opening = time.monotonic()
            response = self._execs.open(target)
            if time.monotonic() - opening >= SLOW_S:
                # Opening is a request like any other: the API (or etcd) did not answer meanwhile.
                self.health.unanswered(opening, target.action)
            return read_exec(response, target, timeout)

        # Retried only while the command cannot have run: the websocket did not open, or the apiserver
        # could not reach the kubelet. Once it runs, running it again could do twice what it does.
        return self._call(target.action, run_once, timed=False)

    def logs(self, namespace: str, pod: str, container: str, previous: bool = False, tail: int = 50) -> str:
        return str(
            self._call(
                f"read logs of {namespace}/{pod}/{container}",
                lambda: self._core.read_namespaced_pod_log(
                    pod, namespace, container=container, previous=previous, tail_lines=tail
                ),
            )
        )

    def events(self, namespace: str, at: float = 0.0) -> list[EventRecord]:
        listed = self._call(
            f"list events in {namespace}", lambda: self._core.list_namespaced_event(namespace)
        )
        return [event_record(e, at) for e in listed.items]

    # --- watches -----------------------------------------------------------------------------
    def watch_pods(
        self, namespace: str, selector: str, stop: Stopper, clock: Callable[[], float]
    ) -> Iterator[tuple[str, PodState]]:
        """(ADDED/MODIFIED/DELETED, pod state stamped by ``clock``) until ``stop`` is set."""
        for kind, obj in self._watch(
            self._core.list_namespaced_pod, namespace, stop, label_selector=selector
        ):
            if kind != SYNCED:
                yield kind, pod_state(obj, clock())

    def watch_events(
        self, namespace: str, stop: Stopper, clock: Callable[[], float], wall_origin: float
    ) -> Iterator[EventRecord]:
        """Pod events as they are recorded, until ``stop`` is set, each stamped with its own time on the
        ``clock`` whose zero is the wall-clock time ``wall_origin``.

        The same occurrence can come more than once (a re-list after the watch expired, an update that
        is not a new occurrence): tell them apart by ``(uid, count)``.
        """
        for kind, obj in self._watch(self._core.list_namespaced_event, namespace, stop):
            if kind not in {"DELETED", SYNCED} and obj.involved_object and obj.involved_object.kind == "Pod":
                yield event_record(obj, clock(), wall_origin)

    def watch_endpoint_slices(
        self, namespace: str, stop: Stopper, clock: Callable[[], float]
    ) -> Iterator[EndpointsSnapshot]:
        """EndpointSlices of the namespace as they change, until ``stop`` is set."""
        for kind, obj in self._watch(self._discovery.list_namespaced_endpoint_slice, namespace, stop):
            if kind != SYNCED:
                yield endpoints_snapshot(obj, clock(), deleted=kind == "DELETED")

    def watch_jobs(self, namespace: str, stop: Stopper, clock: Callable[[], float]) -> Iterator[JobSnapshot]:
        """The namespace's Jobs as their status changes, until ``stop`` is set."""
        for kind, obj in self._watch(self._batch.list_namespaced_job, namespace, stop):
            if kind not in {SYNCED, "DELETED"}:
                yield job_snapshot(obj, clock())

    def open_logs(self, namespace: str, pod: str, container: str, since_seconds: int | None = 1) -> LogStream:
        """Follow a container's current instance's log (from ``since_seconds`` ago, or from its start
        when None); the stream ends with the instance. Lines carry the runtime's timestamps (see
        :func:`podchaos.k8s.convert.log_timestamp`)."""
        action = f"follow logs of {namespace}/{pod}/{container}"
        response: Any = self._call(
            action,
            lambda: self._core.read_namespaced_pod_log(
                pod,
                namespace,
                container=container,
                follow=True,
                timestamps=True,
                since_seconds=since_seconds,
                _preload_content=False,
            ),
        )
        return LogStream(response, action)

    def wait_pod_running(self, namespace: str, name: str, selector: str, timeout: float) -> PodState:
        """Watch until pod ``name`` (one of those ``selector`` picks) runs; ClusterError when it ended
        instead, or did not run within ``timeout`` s."""
        last = "not created"
        with stopped_after(timeout) as stop:
            for _kind, state in self.watch_pods(namespace, selector, stop, lambda: 0.0):
                if state.pod.pod != name:
                    continue
                if state.pod.phase == "Running":
                    return state
                waiting = [f"{c.container} {c.reason}" for c in state.containers if c.reason]
                last = " ".join([state.pod.phase, *waiting])
                if state.pod.phase in {"Succeeded", "Failed"}:
                    break
        raise ClusterError(f"pod {namespace}/{name} did not run within {timeout:g}s (last seen: {last})")

    def wait_namespaces_gone(self, names: Collection[str], selector: str, timeout: float) -> tuple[str, ...]:
        """Watch the namespaces with these labels until none of ``names`` exists; the ones still there
        after ``timeout`` s (none when all are gone)."""
        waiting = set(names)
        present: set[str] = set()
        synced = False
        with stopped_after(timeout) as stop:
            for kind, obj in self._watch(self._core.list_namespace, None, stop, label_selector=selector):
                if kind == SYNCED:
                    synced = True
                elif kind == "DELETED":
                    present.discard(str(obj.metadata.name))
                else:
                    present.add(str(obj.metadata.name))
                if synced and not waiting & present:
                    return ()
        return tuple(sorted(waiting & present)) if synced else tuple(sorted(waiting))

    def _watch(
        self, lister: Callable[..., Any], namespace: str | None, stop: Stopper, **kwargs: Any
    ) -> Iterator[tuple[str, Any]]:
        return watch_collection(lister, namespace, stop, lambda: HeldWindow(stop), self.policy, **kwargs)
