"""Watching a namespaced collection: list, then watch from the list's version, re-list after 410 Gone
and after a broken connection (the re-list riding out the API's outage).

Every watch response is held by a :class:`~podchaos.k8s.streams.Stopper`, so a recorder that stops
closes its watches at once instead of waiting for their window to run out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from kubernetes import client, watch

from podchaos.errors import PodchaosError
from podchaos.k8s.streams import Stopper
from podchaos.k8s.timeouts import watch_timeout
from podchaos.k8s.translate import CallPolicy, transient_wait, translated

# How long one watch request lasts before it is renewed from the last resourceVersion. Stopping does
# not wait for it (the response is closed), so it only bounds how stale a silent connection can get.
WATCH_WINDOW_S = 30


class StopSignal(Protocol):
    """What ends a watch: a :class:`Stopper`, or a plain ``threading.Event``."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Window(Protocol):
    """One watch request: events (dicts with ``type``, ``object``, ``raw_object``) until it ends."""

    def stream(self, lister: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]: ...

    def stop(self) -> None: ...


class HeldWindow:
    """A watch request whose response the stopper holds, so stopping closes it mid-read."""

    def __init__(self, stopper: Stopper) -> None:
        self._stopper = stopper
        self._decoder = watch.Watch()

    def stream(self, lister: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """The window's events; an ERROR event becomes an ApiException with its code (410 for Gone)."""
        return_type = self._decoder.get_return_type(lister)
        response = lister(*args, watch=True, _preload_content=False, **kwargs)
        with self._stopper.holding(response):
            try:
                for line in watch.watch.iter_resp_lines(response):
                    event = self._decoder.unmarshal_event(line, return_type)
                    if not isinstance(event, dict):
                        continue
                    if event["type"] == "ERROR":
                        status = event["raw_object"]
                        raise client.exceptions.ApiException(
                            status=int(status.get("code") or 500),
                            reason=f"{status.get('reason', '')}: {status.get('message', '')}",
                        )
                    yield event
            finally:
                response.close()
                response.release_conn()

    def stop(self) -> None:
        """Nothing to do: the stopper closes the response."""


# Yielded (with None) after each complete listing: everything present has been reported by then.
SYNCED = "SYNCED"


def watch_collection(
    lister: Callable[..., Any],
    namespace: str | None,
    stop: StopSignal,
    window_factory: Callable[[], Window],
    policy: CallPolicy | None = None,
    **kwargs: Any,
) -> Iterator[tuple[str, Any]]:
    """(ADDED/MODIFIED/DELETED, object) of a collection (namespaced, or cluster-wide with ``namespace``
    None) until ``stop`` is set, and (SYNCED, None) after each listing.

    Lists the collection first (every item as ADDED), then watches from the list's own
    resourceVersion: the items of a list are not ordered by resourceVersion, so the last item's can be
    older than the list's, and a watch from it would replay changes already listed. Each watch lasts
    WATCH_WINDOW_S and the next one resumes from the last resourceVersion the watch reported (an
    object's or a bookmark's); when that has expired (410 Gone) the collection is listed again, and its
    items come again as ADDED: consumers drop what they have already seen. An object deleted while the
    watch was down is in no watch window, so the re-list reports it: DELETED, with the last state the
    watch saw of it, for every object reported present that the new listing lacks. A window closed
    because ``stop`` was set ends the iteration quietly.

    A connection that breaks transiently (reset, refused, a 5xx: the apiserver restarting) is an
    outage, not an error: the collection is listed again, that listing retried through ``policy``
    until the API answers (or its outage budget is spent), and the watch goes on from there. What
    changed meanwhile comes out of the re-list like after a 410: a pod whose restartCount rose in the
    gap is MODIFIED to its new state, one deleted in the gap DELETED.
    """
    policy = policy or CallPolicy()
    state = _Collection()
    broken_since: float | None = None  # when the windows started breaking, without an event since
    breaks = 0
    action = f"watch {getattr(lister, '__name__', 'list')}" + (f" in {namespace}" if namespace else "")
    args = () if namespace is None else (namespace,)
    while not stop.is_set():
        if not state.resource_version:
            listing = policy.call(action, lambda: lister(*args, **kwargs))
            # The API answered: an outage since the last break is over, even for a watch whose
            # collection stays quiet (no event would reset it, and outages apart would add up). The
            # back-off stays: a watch that keeps breaking while lists work must not spin.
            broken_since = None
            yield from state.relisted(listing)
        window = window_factory()
        try:
            with translated(action):
                try:
                    for event in window.stream(
                        lister,
                        *args,
                        resource_version=state.resource_version or None,
                        timeout_seconds=WATCH_WINDOW_S,
                        _request_timeout=watch_timeout(WATCH_WINDOW_S),
                        allow_watch_bookmarks=True,
                        **kwargs,
                    ):
                        broken_since, breaks = None, 0
                        change = state.changed(event)
                        if change is not None:
                            yield change
                        if stop.is_set():
                            return
                except client.exceptions.ApiException as exc:
                    if exc.status != 410:
                        raise
                    state.resource_version = ""  # expired: list again
                finally:
                    window.stop()
        except (PodchaosError, AttributeError, ValueError) as exc:
            # A response shut down by the stopper fails mid-read in one of these ways.
            if stop.is_set():
                return
            if transient_wait(exc) is None:
                raise
            policy.failed(exc)
            now = time.monotonic()
            broken_since = now if broken_since is None else broken_since
            if now - broken_since > policy.outage_s:
                raise
            # Lists may work while watches keep breaking: do not spin.
            breaks += 1
            stop.wait(min(2.0, 0.05 * 2**breaks))
            state.resource_version = ""  # broken: list again (retried until the API is back)


class _Collection:
    """What a watch knows of its collection: the version to resume from, and every object reported
    present (ADDED or MODIFIED, not DELETED since) by identity, with its last state."""

    def __init__(self) -> None:
        self.resource_version = ""
        self.present: dict[tuple[str, ...], Any] = {}

    def relisted(self, listing: Any) -> Iterator[tuple[str, Any]]:
        """The changes a new listing shows: DELETED for what it lacks, ADDED for all it holds, SYNCED."""
        self.resource_version = str(listing.metadata.resource_version or "")
        items = list(listing.items or [])
        listed = {_identity(item) for item in items}
        for key in [key for key in self.present if key not in listed]:
            yield "DELETED", self.present.pop(key)
        for item in items:
            self.present[_identity(item)] = item
            yield "ADDED", item
        yield SYNCED, None

    def changed(self, event: dict[str, Any]) -> tuple[str, Any] | None:
        """The change a watch event reports, None for a bookmark (it only moves the version on)."""
        if event["type"] == "BOOKMARK":
            metadata = event["raw_object"].get("metadata", {})
            self.resource_version = str(metadata.get("resourceVersion") or self.resource_version)
            return None
        obj = event["object"]
        self.resource_version = str(obj.metadata.resource_version or self.resource_version)
        if event["type"] == "DELETED":
            self.present.pop(_identity(obj), None)
        else:
            self.present[_identity(obj)] = obj
        return event["type"], obj


def _identity(obj: Any) -> tuple[str, ...]:
    """What tells one object from another across watches: its uid (a pod deleted and created again
    under the same name is another object), its namespace and name where it has no uid."""
    metadata = obj.metadata
    if metadata.uid:
        return (str(metadata.uid),)
    return (str(metadata.namespace or ""), str(metadata.name or ""))
