"""Scenario files (YAML) to :class:`~podchaos.model.Scenario`, with precise errors.

Every problem is reported as one :class:`~podchaos.errors.ScenarioError` naming the file, the field path
(``faults[0].signal``) and what was expected, before anything touches a cluster; nothing else escapes.
"""

from podchaos.loader.fields import camel, parse_duration
from podchaos.loader.scenario import load_scenario, parse_scenario
from podchaos.loader.workload import pod_specs

__all__ = ["camel", "load_scenario", "parse_duration", "parse_scenario", "pod_specs"]
