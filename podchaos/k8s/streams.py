"""Long-lived API responses (watches, followed logs) and the signal that ends them all at once."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from podchaos.k8s.translate import translated


def shut_down(response: Any) -> None:
    """Close an HTTP response another thread may be blocked reading.

    Closing alone does not wake a thread blocked in recv(); shutting the socket down does.
    """
    connection = getattr(response, "connection", None)
    sock = getattr(connection, "sock", None)
    with contextlib.suppress(OSError):
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(Exception):
        response.close()


class Stopper:
    """Tells watch and log threads to stop, and closes the responses they are blocked on, so that
    stopping takes milliseconds instead of the rest of a watch window."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._open: set[int] = set()
        self._responses: dict[int, Any] = {}

    def is_set(self) -> bool:
        """True once :meth:`set` was called."""
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until :meth:`set` (or ``timeout``); True when set."""
        return self._event.wait(timeout)

    def set(self) -> None:
        """Stop: every response held now is shut down, and any held later is shut down at once."""
        self._event.set()
        with self._lock:
            responses, self._responses = list(self._responses.values()), {}
        for response in responses:
            shut_down(response)

    @contextlib.contextmanager
    def holding(self, response: Any) -> Iterator[None]:
        """While the block runs, :meth:`set` shuts ``response`` down (at once if already set)."""
        key = id(response)
        with self._lock:
            self._responses[key] = response
        if self._event.is_set():
            shut_down(response)
        try:
            yield
        finally:
            with self._lock:
                self._responses.pop(key, None)


class LogStream:
    """A followed container log: iterate ``lines()`` in one thread, ``close()`` from another to stop it."""

    def __init__(self, response: Any, action: str) -> None:
        self._response = response
        self._action = action

    def lines(self) -> Iterator[str]:
        """Lines as the container prints them; ends when the container ends or the stream is closed."""
        with translated(self._action):
            try:
                for line in self._response:
                    yield line.decode(errors="replace").rstrip("\n")
            except (AttributeError, ValueError):
                return  # closed from another thread while reading

    def close(self) -> None:
        """Stop following (the reading thread's ``lines()`` ends)."""
        shut_down(self._response)


@contextmanager
def stopped_after(timeout: float) -> Iterator[Stopper]:
    """A Stopper that is set ``timeout`` s from now, or when the block ends: a watch read in the block
    ends by then."""
    stop = Stopper()
    timer = threading.Timer(timeout, stop.set)
    timer.daemon = True
    timer.start()
    try:
        yield stop
    finally:
        timer.cancel()
        stop.set()
