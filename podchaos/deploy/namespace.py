"""Deploy: a fresh, labelled namespace per run (the engine creates the objects in it, in file order)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from podchaos.errors import ClusterError, WaitTimeout
from podchaos.k8s.client import Kube
from podchaos.k8s.waiting import wait_for

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "podchaos"
RUN_LABEL = "podchaos.io/run-id"
SCENARIO_LABEL = "podchaos.io/scenario"
LEFTOVER_SELECTOR = f"{MANAGED_BY_LABEL}={MANAGED_BY}"
SERVICE_ACCOUNT_TIMEOUT_S = 60.0
"""How long a new namespace may go without its default ServiceAccount (the controller-manager makes it;
just after a control-plane restart it can take seconds)."""


def new_run_id() -> str:
    """A short random id, unique enough across pytest-xdist workers and CI runs."""
    return secrets.token_hex(4)


def namespace_name(scenario_name: str, run_id: str) -> str:
    """``pc-<scenario>-<run id>``, trimmed to Kubernetes' 63-character limit."""
    stem = re.sub(r"[^a-z0-9-]", "-", scenario_name.lower())[: 63 - len(run_id) - 4].strip("-")
    return f"pc-{stem}-{run_id}"


def create_namespace(
    kube: Kube, name: str, scenario_name: str, run_id: str, annotations: Mapping[str, str] | None = None
) -> None:
    """Create the run's namespace with the labels ``podchaos sweep`` looks for, and wait until it has
    its default ServiceAccount: until then the API refuses every pod in it ("error looking up service
    account"), as the Kubernetes e2e framework knows, waiting for that account before creating pods."""
    kube.create_namespace(
        name,
        {MANAGED_BY_LABEL: MANAGED_BY, RUN_LABEL: run_id, SCENARIO_LABEL: label_value(scenario_name)},
        annotations,
    )
    try:
        wait_for(
            f"the default ServiceAccount of namespace {name}",
            lambda: True if kube.service_account_exists(name, "default") else None,
            SERVICE_ACCOUNT_TIMEOUT_S,
            interval=0.2,
        )
    except WaitTimeout as exc:
        raise ClusterError(
            f"namespace {name} has no default ServiceAccount after {SERVICE_ACCOUNT_TIMEOUT_S:g}s: is the"
            " kube-controller-manager (its serviceaccount controller) running?"
        ) from exc


def label_value(text: str) -> str:
    """``text`` as a label value: at most 63 characters of ``[A-Za-z0-9._-]``, alphanumeric at both
    ends (a long test name cut at 63 can end in '-', which the API refuses)."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", text)[:63].strip("-_.")


def selector_of(labels: Mapping[str, str]) -> str:
    """The label selector that picks pods carrying all of ``labels``."""
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
