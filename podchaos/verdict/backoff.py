"""The shape of a crash loop's back-off: kubelet waits 10 s before the second restart and doubles the
wait each time, up to the node's cap (300 s by default; ``crashLoopBackOff.maxContainerRestartPeriod``
lowers it from Kubernetes 1.35). Pure: delays in, findings out.

A measured delay is not the back-off itself: the kubelet requeues the pod for when the back-off ends
with up to 50 % jitter (pod_workers.go, ``workerBackOffPeriodJitterFactor``), so a wait of ``B`` seconds
measures between about ``B`` and ``1.5 B``, seen by the watch a little late or early. Hence the bounds:
before the cap, each delay is at least 4/3 of the previous (2 / 1.5: a doubled wait requeued on time
after one requeued late), 1 s tolerance; on the cap, each delay lies between the cap (less 10 %, at
least 2 s) and 1.5 times it (plus 4 s). The first restart after the fault comes at once and is not
judged.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CAP_S = 300.0
"""The kubelet's back-off cap when nothing lowers it."""
FIRST_WAIT_S = 10.0
"""The kubelet's wait before a crash-looping container's second restart; it doubles from there."""
GROWTH = 4 / 3
GROWTH_SLACK_S = 1.0
JITTER = 1.5
"""The kubelet's pod worker requeues up to 50 % after the back-off's end."""
LATE_SLACK_S = 4.0
SECOND_AT_LEAST_S = 5.0
"""The second restart must have waited at least this long (the kubelet's first wait: FIRST_WAIT_S), or about
the cap, whichever is smaller: a container restarted at once every time was not backed off at all."""
PLATEAU_ON_CAP = 2
"""Delays that must sit on a stated cap for the plateau to count as seen: one delay on the cap may be
plain doubling that happens to land on it (10 s, 20 s under a 20 s cap); the next one shows the cap."""


def total_wait(restarts: int, cap: float = DEFAULT_CAP_S) -> float:
    """The kubelet's crash-loop waits before ``restarts`` restarts (the first is immediate) under a
    back-off ``cap``: how long a crash loop takes, before jitter."""
    first = min(FIRST_WAIT_S, cap)
    return float(sum(min(first * 2**index, cap) for index in range(max(0, restarts - 1))))


def cap_bounds(cap: float) -> tuple[float, float]:
    """The delays a wait of ``cap`` seconds measures as: from a little under it to 1.5 times it."""
    return cap - max(2.0, 0.1 * cap), JITTER * cap + LATE_SLACK_S


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class BackoffShape:
    """What the delays showed: the first problem (empty when none), from which delay on (index, None
    when never) they sat on the cap, and whether they stopped growing below the cap (``stalled``: what a
    lower cap than the one assumed looks like)."""

    problem: str
    plateau_from: int | None
    stalled: bool = False

    def on_plateau(self, delays: list[float]) -> int:
        """How many of ``delays`` sat on the cap."""
        return 0 if self.plateau_from is None else len(delays) - self.plateau_from


def backoff_shape(delays: list[float], cap: float) -> BackoffShape:
    """Judge the delays (seconds, in order, the first one the immediate restart) against the kubelet's
    doubling up to ``cap``."""
    low, high = cap_bounds(cap)
    plateau_from: int | None = None
    if len(delays) >= 2 and delays[1] < min(SECOND_AT_LEAST_S, low):
        return BackoffShape(f"the 2nd restart waited only {delays[1]:g}s: not backed off", None)
    for index in range(1, len(delays)):
        delay, previous, nth = delays[index], delays[index - 1], ordinal(index + 1)
        if delay > high:
            return BackoffShape(
                f"the {nth} back-off {delay:g}s is above the cap {cap:g}s (at most {high:g}s with the"
                " kubelet's requeue jitter)",
                plateau_from,
            )
        if plateau_from is not None:
            if delay < low:
                return BackoffShape(
                    f"the {nth} back-off {delay:g}s fell below the cap {cap:g}s it had reached", plateau_from
                )
            continue
        if delay >= low:
            plateau_from = index
        elif delay < GROWTH * previous - GROWTH_SLACK_S:
            return BackoffShape(
                f"the {nth} back-off {delay:g}s did not grow from the previous {previous:g}s"
                f" and is below the cap {cap:g}s",
                None,
                stalled=True,
            )
    return BackoffShape("", plateau_from)
