"""Deploy: the run's labelled namespace and its objects, then the workload steady (every target pod
Ready) before any fault."""

from __future__ import annotations

from podchaos.deploy.namespace import (
    LEFTOVER_SELECTOR,
    create_namespace,
    label_value,
    namespace_name,
    new_run_id,
)
from podchaos.deploy.steady import wait_steady

__all__ = [
    "LEFTOVER_SELECTOR",
    "create_namespace",
    "label_value",
    "namespace_name",
    "new_run_id",
    "wait_steady",
]
