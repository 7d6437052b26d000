"""What an attached run may leave changed in a workload it did not create, written on the run's own
namespace when it is created (annotation ``podchaos.io/attached``), so that ``podchaos sweep`` can undo
it after a killed run: files hidden by probe faults, frozen containers, file tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass

MARK_ANNOTATION = "podchaos.io/attached"


@dataclass(frozen=True)
class RestoreMark:
    """The attached namespace and target selector, and what the run's faults and tokens touch there:
    ``hidden`` (container, path) files, ``frozen`` containers, ``tokens`` (container, path) files."""

    namespace: str
    selector: str
    hidden: tuple[tuple[str, str], ...] = ()
    frozen: tuple[str, ...] = ()
    tokens: tuple[tuple[str, str], ...] = ()

    def to_annotation(self) -> str:
        """The mark as the annotation's JSON value."""
        return json.dumps(
            {
                "namespace": self.namespace,
                "selector": self.selector,
                "hidden": [list(pair) for pair in self.hidden],
                "frozen": list(self.frozen),
                "tokens": [list(pair) for pair in self.tokens],
            },
            sort_keys=True,
        )

    @classmethod
    def from_annotation(cls, text: str) -> RestoreMark | None:
        """The mark an annotation holds; None for a value that is not one (written by someone else)."""
        try:
            data = json.loads(text)
            return cls(
                namespace=str(data["namespace"]),
                selector=str(data["selector"]),
                hidden=tuple((str(c), str(p)) for c, p in data.get("hidden", [])),
                frozen=tuple(str(c) for c in data.get("frozen", [])),
                tokens=tuple((str(c), str(p)) for c, p in data.get("tokens", [])),
            )
        except (ValueError, KeyError, TypeError):
            return None
