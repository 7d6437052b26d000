"""Scenario YAML read defensively: bounded size, UTF-8 only, and a document checked node by node before it
becomes Python data, so that every problem is one :class:`~podchaos.errors.ScenarioError` with a field path.

Checked on the node graph, where the path and the line are still known: duplicate keys (YAML would keep the
last one silently), keys that are not strings, tags other than the plain JSON-like ones, infinite or NaN
numbers, recursive aliases, nesting depth, and the number of nodes after alias expansion (an alias bomb of
a few hundred bytes otherwise expands into millions of nodes when the manifests are copied).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from podchaos.errors import ScenarioError

MAX_BYTES = 1 << 20
"""Largest file read; the biggest catalogue scenario is a few kilobytes."""
MAX_NODES = 100_000
"""Most nodes in one document once aliases are expanded; far above any real scenario, far below a bomb."""
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_STR, _FLOAT, _MERGE = f"{_TAG}str", f"{_TAG}float", f"{_TAG}merge"
_PLAIN_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}

# libyaml's parser when PyYAML was built with it: ten times faster on manifests-heavy scenarios.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE):  # type: ignore[valid-type,misc]
    """Safe loading, except that an unquoted date stays a string, as Kubernetes reads it."""


# Replaced, not edited: the resolver table is shared with yaml.SafeLoader.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != f"{_TAG}timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def scenario_error(source: str, field: str, problem: str) -> ScenarioError:
    """The error, kept to one line: keys and file names taken from a file may hold line breaks."""
    return ScenarioError(source, _printable(field), _printable(problem))


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def read_text(path: Path, source: str, field: str = "") -> str:
    """The UTF-8 text of ``path``; ``source`` and ``field`` name it in errors (the path too, with a field)."""
    subject = f"{path}: " if field else ""
    try:
        if not path.is_file():
            what = "no such file" if not path.exists() else "not a regular file"
            raise scenario_error(source, field, f"{subject}cannot read: {what}")
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise scenario_error(source, field, f"{subject}cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise scenario_error(source, field, f"{subject}larger than {MAX_BYTES // 1024} KiB")
    if b"\0" in raw:
        raise scenario_error(source, field, f"{subject}not YAML text: a binary file (it has NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise scenario_error(
            source, field, f"{subject}not UTF-8 text: byte {raw[exc.start]:#04x} on line {line}"
        ) from exc


def load_one(text: str, source: str) -> Any:
    """The single document of a scenario file; errors name the field path, or the line."""
    documents = _load(text, source, "", single=True)
    return documents[0] if documents else None


def load_all(text: str, source: str, field: str) -> list[Any]:
    """Every document of a manifests file; errors name ``field`` and the path inside the document."""
    return _load(text, source, field, single=False)


def _load(text: str, source: str, field: str, *, single: bool) -> list[Any]:
    loader = _Loader(text)
    documents: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if single and loader.check_node():
                raise scenario_error(source, field, "expected one YAML document, found more ('---')")
            prefix = field if single else f"{field} (document {len(documents)})"
            _Walk(loader, source, prefix).node(node, "", depth=0)
            documents.append(loader.construct_document(node))
    except yaml.YAMLError as exc:
        where = _where(exc)
        problem = _one_line(exc) + _hint(exc, text)
        if not field:
            raise scenario_error(source, where, f"not valid YAML: {problem}") from exc
        raise scenario_error(source, field, f"not valid YAML ({where or 'no line'}): {problem}") from exc
    except RecursionError as exc:  # the pure-Python parser nests one frame per level
        raise scenario_error(source, field, f"nested deeper than {MAX_DEPTH} levels") from exc
    finally:
        loader.dispose()
    return documents


class _Walk:
    """Visits a document's nodes as they will be constructed, aliases expanded, with their field paths."""

    def __init__(self, loader: yaml.SafeLoader, source: str, prefix: str) -> None:
        self.loader = loader
        self.source = source
        self.prefix = prefix
        self.count = 0
        self.open: set[int] = set()

    def fail(self, path: str, node: Node, problem: str) -> ScenarioError:
        where = path or "(document)"
        if self.prefix:
            where = f"{self.prefix}.{path}" if path else self.prefix
        return scenario_error(self.source, where, f"{problem} (line {node.start_mark.line + 1})")

    def node(self, node: Node, path: str, depth: int) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(path, node, f"more than {MAX_NODES} values once aliases are expanded")
        if depth > MAX_DEPTH:
            raise self.fail(path, node, f"nested deeper than {MAX_DEPTH} levels")
        if id(node) in self.open:
            raise self.fail(path, node, "a recursive alias (an anchor used inside itself)")
        if node.tag not in _PLAIN_TAGS and not (node.tag == _MERGE and isinstance(node, ScalarNode)):
            raise self.fail(path, node, f"unsupported YAML tag {node.tag.replace(_TAG, '!!')}")
        if isinstance(node, ScalarNode):
            if node.tag == _FLOAT and not math.isfinite(self.loader.construct_yaml_float(node)):
                raise self.fail(path, node, f"expected a finite number, got {node.value}")
            return
        self.open.add(id(node))
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.node(item, f"{path}[{index}]", depth + 1)
        elif isinstance(node, MappingNode):
            self.mapping(node, path, depth)
        self.open.discard(id(node))

    def mapping(self, node: MappingNode, path: str, depth: int) -> None:
        seen: dict[str, int] = {}
        for key, value in node.value:
            if key.tag == _MERGE:
                # '<<: *defaults' brings in the keys of another mapping, which the mapping may override.
                self.node(value, path, depth + 1)
                continue
            if not (isinstance(key, ScalarNode) and key.tag == _STR):
                shown = f"'{key.value}'" if isinstance(key, ScalarNode) else "a list or mapping"
                raise self.fail(path, key, f"keys must be strings, got {shown} (quote it)")
            child = f"{path}.{key.value}" if path else str(key.value)
            line = key.start_mark.line + 1
            if key.value in seen:
                raise self.fail(
                    child,
                    key,
                    f"duplicate key, also on line {seen[key.value]}: YAML would keep only the last",
                )
            seen[key.value] = line
            self.node(value, child, depth + 1)


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _one_line(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"{problem} ({context})" if context else str(problem)
    return " ".join(text.split())


# An unquoted value that starts like a version bound: YAML reads ``>`` as a folded block scalar.
_LEADING_GT = re.compile(r"(^|[:\[{,-])\s*>(=|<|\d+\.)")


def _hint(exc: yaml.YAMLError, text: str) -> str:
    """What the parser's words mean for the two mistakes it words worst: tabs, and a leading ``>``."""
    mark = getattr(exc, "problem_mark", None)
    lines = text.splitlines()
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "\t" in line[: len(line) - len(line.lstrip())] or "'\\t'" in str(exc):
        return " (hint: YAML indents with spaces; this line has a tab)"
    if _LEADING_GT.search(line):
        return ' (hint: quote a value that starts with >, such as ">=1.30": YAML reads > as a folded block)'
    return ""
