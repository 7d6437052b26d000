"""A scenario file's top level: name, workload, faults, expectations, timeouts and tags."""

from __future__ import annotations

import re
from pathlib import Path

from podchaos.loader.attach import with_replacement_check
from podchaos.loader.checks import check_scenario
from podchaos.loader.fields import Reader, describe
from podchaos.loader.repetitions import read_repeat, read_repetitions
from podchaos.loader.requires import read_requires
from podchaos.loader.traffic import check_traffic_expectations, read_traffic
from podchaos.loader.workload import read_workload
from podchaos.loader.yamlsafe import load_one, read_text
from podchaos.model import EXPECTATION_TYPES, FAULT_TYPES, Scenario

_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SCENARIO_KEYS = {
    "name",
    "description",
    "workload",
    "traffic",
    "faults",
    "expect",
    "timeouts",
    "tags",
    "requires",
    "repeat",
    "repetitions",
}


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file."""
    source = str(path)
    # A file that leaves out ``name`` is named by its file name (``orders-kill.scenario.yaml``), the
    # name the catalogue requires it to have anyway.
    stem = next(
        (path.name[: -len(s)] for s in (".scenario.yaml", ".scenario.yml") if path.name.endswith(s)), ""
    )
    return parse_scenario(read_text(path, source), source, base_dir=path.parent, name=stem)


def parse_scenario(text: str, source: str, base_dir: Path | None = None, name: str = "") -> Scenario:
    """Validate scenario YAML text; ``source`` names it in errors, ``base_dir`` resolves workload files,
    ``name`` (the one a ``<name>.scenario.yaml`` file name gives) is the scenario's name when the file
    leaves ``name`` out."""
    reader = Reader(source)
    data = reader.mapping(load_one(text, source), "(document)")
    reader.unknown_keys(data, _SCENARIO_KEYS, "")
    name = reader.string(data.get("name", name or None), "name")
    if not _NAME_RE.match(name):
        raise reader.fail(
            "name", f"expected lowercase letters, digits and '-' (like sidecar-kill), got {name!r}"
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise reader.fail("description", f"expected a string, got {describe(description)}")
    workload, templates = read_workload(reader, data.get("workload"), base_dir)
    faults = tuple(
        reader.spec(item, f"faults[{index}]", FAULT_TYPES, "fault")
        for index, item in enumerate(reader.sequence(data.get("faults"), "faults"))
    )
    if not faults:
        raise reader.fail("faults", "expected at least one fault")
    expectations = tuple(
        reader.spec(item, f"expect[{index}]", EXPECTATION_TYPES, "expectation")
        for index, item in enumerate(reader.sequence(data.get("expect"), "expect"))
    )
    if not expectations:
        raise reader.fail("expect", "expected at least one expectation")
    check_scenario(reader, workload, templates, faults, expectations)
    expectations = with_replacement_check(workload, faults, expectations)
    traffic = read_traffic(reader, data.get("traffic"), workload)
    check_traffic_expectations(reader, traffic, expectations)
    timeouts = reader.mapping(data.get("timeouts", {}), "timeouts")
    reader.unknown_keys(timeouts, {"steady", "observe", "settle"}, "timeouts")
    tags = reader.sequence(data.get("tags", []), "tags")
    return Scenario(
        name=name,
        description=description,
        source=source,
        workload=workload,
        faults=faults,
        expectations=expectations,
        steady_timeout=reader.duration(timeouts.get("steady", 120), "timeouts.steady"),
        observe_timeout=reader.duration(timeouts.get("observe", 120), "timeouts.observe"),
        settle=reader.duration(timeouts.get("settle", 3), "timeouts.settle"),
        tags=tuple(reader.string(tag, f"tags[{i}]") for i, tag in enumerate(tags)),
        traffic=traffic,
        requires=read_requires(reader, data.get("requires")),
        repeat=read_repeat(reader, data.get("repeat")),
        repetitions=read_repetitions(reader, data.get("repetitions")),
    )
