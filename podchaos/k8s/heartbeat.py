"""A heartbeat: one cheap request each second while a run records, so an outage is known to span from
the last successful contact to the first one after it, even while every watch is idle.

The request is a quorum read of the run's namespace, which the apiserver reads from etcd (a single
object's GET without a resourceVersion): an etcd that stalls while the apiserver still answers from
its watch cache times it out or fails it with a 5xx, and that is a gap too. It is tried once, with a
bounded timeout, never retried: each beat reports to the connection's :class:`ApiHealth` as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from podchaos.errors import PodchaosError
from podchaos.k8s.outage import SLOW_S
from podchaos.k8s.translate import CallPolicy, transient_wait, translated

INTERVAL_S = 1.0
"""Seconds between beats."""
TIMEOUT_S = 5.0
"""Connect and read timeout of one beat: a live apiserver and etcd answer in milliseconds; one that
takes this long counts as a gap anyway (``SLOW_S``), so a busy machine gives no shorter false gaps."""


def beat(read: Callable[[], object], policy: CallPolicy, action: str) -> bool:
    """Call ``read`` once: a transient failure (refused, timed out, 5xx) opens or continues an outage,
    an answer (a final error such as 404 is an answer too) ends it, a slow answer marks the wait as
    one. True when the API answered."""
    started = time.monotonic()
    try:
        with translated(action):
            read()
    except PodchaosError as exc:
        if transient_wait(exc) is not None:
            policy.failed(exc)
            return False
    if time.monotonic() - started >= SLOW_S:
        policy.health.unanswered(started, action)
    policy.health.succeeded()
    return True
