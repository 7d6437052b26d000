"""A scenario's ``traffic:`` section: the Service a client calls while faults play out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podchaos.loader.fields import Reader
from podchaos.model import Traffic, Workload
from podchaos.model.expectations import TRAFFIC_EXPECTATIONS, Expectation

_KEYS = {"service", "port", "mode", "path", "rate", "timeout", "steady"}
MAX_RATE = 200.0
"""Requests per second a probe may ask for: far above what a test needs, below what would load a node."""


def read_traffic(reader: Reader, raw: Any, workload: Workload) -> Traffic | None:
    """The traffic probe, or None without ``traffic:``; its Service must be one of the workload's,
    with the port."""
    if raw is None:
        return None
    data = reader.mapping(raw, "traffic")
    reader.unknown_keys(data, _KEYS, "traffic")
    service = reader.string(data.get("service"), "traffic.service")
    port = data.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise reader.fail("traffic.port", f"expected a port number from 1 to 65535, got {port!r}")
    mode = data.get("mode", "http")
    if mode not in ("http", "tcp"):
        raise reader.fail("traffic.mode", f"expected http or tcp, got {mode!r}")
    path = data.get("path", "/")
    if not isinstance(path, str) or not path.startswith("/"):
        raise reader.fail("traffic.path", f"expected an absolute HTTP path like /healthz, got {path!r}")
    if mode == "tcp" and "path" in data:
        raise reader.fail("traffic.path", "only with mode http (a tcp probe only connects)")
    rate = reader.duration(data.get("rate", 20), "traffic.rate")  # a plain positive number
    if not 0 < rate <= MAX_RATE:
        raise reader.fail("traffic.rate", f"expected requests per second above 0 and at most {MAX_RATE:g}")
    timeout = reader.duration(data.get("timeout", "1s"), "traffic.timeout")
    steady = reader.duration(data.get("steady", "3s"), "traffic.steady")
    if timeout <= 0:
        raise reader.fail("traffic.timeout", "expected a timeout above 0")
    if steady * rate < 1:
        raise reader.fail("traffic.steady", "expected long enough for at least one request before the fault")
    if workload.attached:
        # The Service already runs beside the pods; the client, in the run's own namespace, calls it
        # by its full name.
        return Traffic(service, port, mode, path, rate, timeout, steady, namespace=workload.namespace)
    _check_service(reader, workload, service, port)
    return Traffic(service, port, mode, path, rate, timeout, steady)


def _check_service(reader: Reader, workload: Workload, service: str, port: int) -> None:
    """The client calls ``service:port`` in the run's namespace: the workload must create that Service."""
    services = {m.name: m for m in workload.manifests if m.kind == "Service"}
    found = services.get(service)
    if found is None:
        have = ", ".join(sorted(services)) or "none"
        raise reader.fail(
            "traffic.service", f"expected a Service of the workload (it has: {have}), got {service!r}"
        )
    spec = found.body.get("spec")
    entries = spec.get("ports") if isinstance(spec, Mapping) else None
    # Anything but a list (``ports: true``) exposes no port; the Service's own checks are the API's.
    listed = entries if isinstance(entries, list | tuple) else ()
    ports = [entry.get("port") for entry in listed if isinstance(entry, Mapping)]
    if port not in ports:
        shown = ", ".join(map(str, ports)) or "no port"
        raise reader.fail("traffic.port", f"Service {service} exposes {shown}, not {port}")


def check_traffic_expectations(
    reader: Reader, traffic: Traffic | None, expectations: tuple[Expectation, ...]
) -> None:
    """Expectations on requests need a probe to send them; ratios are shares from 0 to 1."""
    for index, spec in enumerate(expectations):
        if not isinstance(spec, TRAFFIC_EXPECTATIONS):
            continue
        if traffic is None:
            raise reader.fail(
                f"expect[{index}].type", f"{spec.type} needs a traffic probe (a 'traffic:' section)"
            )
        ratio = (
            getattr(spec, "at_least", None)
            if spec.type == "availability"
            else getattr(spec, "quantile", None)
        )
        field = "atLeast" if spec.type == "availability" else "quantile"
        if ratio is not None and not 0 < ratio <= 1:
            raise reader.fail(
                f"expect[{index}].{field}", f"expected a share above 0 and at most 1, got {ratio:g}"
            )
