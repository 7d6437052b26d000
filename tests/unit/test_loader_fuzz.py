"""The loader is total: whatever a scenario file holds, the only error out of it is a ScenarioError.

Valid catalogue files are mutated (keys deleted or added, values swapped for other types, huge numbers,
NaN, binary, shared and recursive aliases, duplicated lines, other encodings, stray bytes) and loaded.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podchaos.errors import ScenarioError
from podchaos.loader import load_scenario
from podchaos.model import EXPECTATION_TYPES, FAULT_TYPES

CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"
ORIGINALS = {
    path.name: path.read_text(encoding="utf-8") for path in sorted(CATALOGUE.glob("*.scenario.yaml"))
}

FIELD_NAMES = [
    "name", "type", "container", "containers", "initContainers", "spec", "template", "metadata", "labels",
    "target", "manifests", "files", "faults", "expect", "timeouts", "delta", "repeat", "exitCode", "phase",
    "reason", "restartPolicy", "resources", "limits", "memory", "atLeast", "atMost", "within", "path",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 256, 99999, 10**21, -(10**21), 2**64]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.text(max_size=12),
    st.sampled_from(FIELD_NAMES),
    st.sampled_from([*FAULT_TYPES, *EXPECTATION_TYPES]),
    st.binary(max_size=12),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=6), st.integers(), st.none(), st.booleans())
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=6,
)


def _places(node: Any, found: list[tuple[Any, Any]], seen: set[int]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in the tree, to pick one to mutate; shared nodes once."""
    if id(node) in seen:
        return found
    seen.add(id(node))
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((node, key))
            _places(value, found, seen)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((node, index))
            _places(value, found, seen)
    return found


@st.composite
def mutated_files(draw: Callable[..., Any]) -> bytes:
    name = draw(st.sampled_from(sorted(ORIGINALS)))
    data = yaml.safe_load(ORIGINALS[name])
    for _ in range(draw(st.integers(1, 3))):
        places = _places(data, [], set())
        parent, key = draw(st.sampled_from(places))
        operation = draw(st.sampled_from(["delete", "replace", "replace", "add", "alias", "recurse"]))
        if operation == "delete":
            del parent[key]
        elif operation == "replace":
            parent[key] = draw(junk)
        elif operation == "add" and isinstance(parent[key], dict):
            parent[key][draw(keys)] = draw(junk)
        elif operation == "alias":
            # The same object in two places is written as an anchor and an alias.
            other, other_key = draw(st.sampled_from(places))
            parent[key] = other[other_key]
        elif operation == "recurse" and isinstance(parent[key], dict | list):
            # An object containing itself is written as a recursive alias.
            node = parent[key]
            if isinstance(node, dict):
                node[draw(keys)] = node
            else:
                node.append(node)
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        text = ORIGINALS[name]  # a key type the dumper cannot write; mutate the text alone
    lines = text.splitlines(keepends=True)
    if draw(st.booleans()):
        # A copied line usually repeats a key in its mapping.
        line = draw(st.sampled_from(lines))
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, line)
    text = "".join(lines)
    encoding = draw(st.sampled_from(["utf-8"] * 7 + ["utf-16", "latin-1", "bytes"]))
    if encoding == "bytes":
        raw = text.encode("utf-8")
        at = draw(st.integers(0, len(raw)))
        noise: bytes = draw(st.binary(min_size=1, max_size=8))
        return raw[:at] + noise + raw[at:]
    return text.encode(encoding, errors="replace")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "fuzzed.yaml"


@settings(
    max_examples=250,
    deadline=2000,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=mutated_files())
def test_only_scenario_errors_escape_the_loader(scenario_file: Path, content: bytes) -> None:
    scenario_file.write_bytes(content)
    error: ScenarioError | None = None
    try:
        load_scenario(scenario_file)
    except ScenarioError as caught:
        error = caught
    if error is not None:
        assert error.source == str(scenario_file)
        assert "\n" not in str(error), "one line per error"


# Values of the wrong shape a hand-edited Service or traffic section is likely to hold.
# (copied each time: a later mutation adding to a drawn {} must not change what the strategy holds).
odd = st.sampled_from(
    [True, False, 0, 80, "80", "web", [], {}, None, [80], [{"port": "80"}], {"port": 80}]
).map(copy.deepcopy)
TRAFFIC_ORIGINALS = {name: text for name, text in ORIGINALS.items() if "\ntraffic:" in text}


def _service_and_traffic(data: dict[str, Any]) -> list[tuple[Any, Any]]:
    """The places inside a scenario's ``traffic:`` section and its Services' manifests."""
    places: list[tuple[Any, Any]] = [(data, "traffic")]
    _places(data.get("traffic"), places, set())
    manifests = data.get("workload", {}).get("manifests") or []
    for index, manifest in enumerate(manifests):
        if isinstance(manifest, dict) and manifest.get("kind") == "Service":
            places.append((manifests, index))
            _places(manifest, places, set())
    return places


@st.composite
def mutated_traffic(draw: Callable[..., Any]) -> str:
    """A traffic scenario with its Service or its traffic section mutated (kept valid YAML)."""
    data = yaml.safe_load(TRAFFIC_ORIGINALS[draw(st.sampled_from(sorted(TRAFFIC_ORIGINALS)))])
    for _ in range(draw(st.integers(1, 3))):
        places = _service_and_traffic(data)
        parent, key = draw(st.sampled_from(places))
        if key not in (parent if isinstance(parent, dict) else range(len(parent))):
            continue  # deleted by an earlier mutation
        operation = draw(st.sampled_from(["delete", "replace", "replace", "add"]))
        if operation == "delete":
            del parent[key]
        elif operation == "replace":
            parent[key] = draw(st.one_of(odd, junk))
        elif isinstance(parent[key], dict):
            field = draw(st.sampled_from(["ports", "port", "service", "spec", "selector"]))
            parent[key][field] = draw(st.one_of(odd, junk))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@settings(
    max_examples=250,
    deadline=2000,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=mutated_traffic())
def test_only_scenario_errors_escape_the_loader_from_service_and_traffic_sections(
    scenario_file: Path, content: str
) -> None:
    scenario_file.write_text(content, encoding="utf-8")
    error: ScenarioError | None = None
    try:
        load_scenario(scenario_file)
    except ScenarioError as caught:
        error = caught
    assert error is None or error.source == str(scenario_file)


def test_a_service_whose_ports_are_not_a_list_is_a_scenario_error(scenario_file: Path) -> None:
    # Found by mutation: `ports: true` gave TypeError: 'bool' object is not iterable.
    text = ORIGINALS["traffic-graceful-shutdown.scenario.yaml"]
    scenario_file.write_text(text.replace("ports: [{port: 80, targetPort: 8080}]", "ports: true"))
    with pytest.raises(ScenarioError, match=r"traffic\.port.*Service web exposes no port, not 80"):
        load_scenario(scenario_file)
