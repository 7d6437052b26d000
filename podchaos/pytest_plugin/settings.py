"""podchaos's settings: each one's option, ini key and environment variable, their registration with
pytest, and where a setting's value comes from.

Every option except ``--scenario`` (the product's interface) carries the ``--podchaos-`` prefix, so it
cannot clash with a project's own ``--kubeconfig`` or ``--context``. Every setting can also live in the
ini file (``pytest.ini``, ``[tool.pytest.ini_options]``, ``tox.ini``, ``setup.cfg``) and most in the
environment. The first that is set wins: the command line, then the environment (``PODCHAOS_...``),
then the ini file, then the default, as kubectl and ``PYTEST_ADDOPTS`` let the environment override a
committed file (a CI variable wins over the project's ini). Lists (scenario directories, allowed
contexts) add up: the ini file's, then the command line's.

Paths given on the command line or in the environment are relative to pytest's invocation directory;
paths in the ini file are relative to the ini file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

ProviderName = Literal["auto", "local", "kind", "existing"]
PROVIDERS: tuple[ProviderName, ...] = ("auto", "local", "kind", "existing")


@dataclass(frozen=True)
class Setting:
    """One setting: its option, ini key and environment variable (``""`` where it has none)."""

    dest: str
    option: str
    ini: str
    env: str
    default: str
    help: str


# The settings with one value, in the order README's options table shows them.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "podchaos_builtin",
        "--podchaos-builtin",
        "podchaos_builtin",
        "PODCHAOS_BUILTIN",
        "yes",
        "whether podchaos's own scenario catalogue is among the scenarios --scenario picks from (yes, no)",
    ),
    Setting(
        "podchaos_cluster",
        "--podchaos-cluster",
        "podchaos_cluster",
        "PODCHAOS_CLUSTER",
        "auto",
        "where to run chaos: auto, local (the embedded cluster), kind, existing (a kubeconfig context); "
        "auto is the kubeconfig kubectl would use (--podchaos-kubeconfig, else every file of $KUBECONFIG, "
        "else ~/.kube/config) at its current context, or local when there is none",
    ),
    Setting(
        "podchaos_kubeconfig",
        "--podchaos-kubeconfig",
        "podchaos_kubeconfig",
        "PODCHAOS_KUBECONFIG",
        "",
        "kubeconfig of an existing cluster (default: the files of $KUBECONFIG, merged as kubectl "
        "merges them, else ~/.kube/config); a missing file or context is a usage error at start-up",
    ),
    Setting(
        "podchaos_context",
        "--podchaos-context",
        "podchaos_context",
        "PODCHAOS_CONTEXT",
        "",
        "kubeconfig context to use (default: the current context)",
    ),
    Setting(
        "podchaos_kubernetes",
        "--podchaos-kubernetes",
        "podchaos_kubernetes",
        "PODCHAOS_KUBERNETES",
        "",
        "the Kubernetes release the cluster runs (1.36.3, a tested minor such as 1.36, or default): "
        "a running embedded local cluster of another release is rebuilt on it with empty data; a kind "
        "cluster podchaos creates runs that release's node image; without it, the release the local "
        "cluster runs, or kind's default image (local and kind providers)",
    ),
    Setting(
        "podchaos_kind_cluster",
        "--podchaos-kind-cluster",
        "podchaos_kind_cluster",
        "PODCHAOS_KIND_CLUSTER",
        "podchaos",
        "kind cluster to create or reuse with --podchaos-cluster=kind",
    ),
    Setting(
        "podchaos_kind_config",
        "--podchaos-kind-config",
        "podchaos_kind_config",
        "PODCHAOS_KIND_CONFIG",
        "",
        "kind config a kind cluster podchaos creates starts from (default: a control plane and two "
        "workers); checked when pytest starts",
    ),
    Setting(
        "podchaos_kind_image",
        "--podchaos-kind-image",
        "podchaos_kind_image",
        "PODCHAOS_KIND_IMAGE",
        "",
        "node image of a kind cluster podchaos creates (default: the --podchaos-kubernetes release's "
        "kindest/node, else kind's default; without Docker, the node image podchaos builds)",
    ),
    Setting(
        "podchaos_keep_namespace",
        "--podchaos-keep-namespace",
        "podchaos_keep_namespace",
        "PODCHAOS_KEEP_NAMESPACE",
        "no",
        "keep each run's namespace for debugging instead of deleting it",
    ),
    Setting(
        "podchaos_dry_run",
        "--podchaos-dry-run",
        "podchaos_dry_run",
        "PODCHAOS_DRY_RUN",
        "no",
        "load and check the scenarios and print each one's plan (objects, faults and targets, "
        "expectations, permissions) without touching any cluster; every scenario item is skipped with its "
        "plan as the reason",
    ),
    Setting(
        "podchaos_report_dir",
        "--podchaos-report-dir",
        "podchaos_report_dir",
        "PODCHAOS_REPORT_DIR",
        "reports",
        "write results.json and report.html of each pytest run under DIR/<run-id>/",
    ),
    Setting(
        "podchaos_pushgateway",
        "--podchaos-pushgateway",
        "podchaos_pushgateway",
        "PODCHAOS_PUSHGATEWAY",
        "",
        "push the run's metrics to this Prometheus Pushgateway (grouping key: job=podchaos, run_id)",
    ),
    Setting(
        "podchaos_metrics_file",
        "--podchaos-metrics-file",
        "podchaos_metrics_file",
        "PODCHAOS_METRICS_FILE",
        "",
        "write the run's metrics to PATH for node-exporter's textfile collector (atomically)",
    ),
    Setting(
        "podchaos_repeat",
        "--podchaos-repeat",
        "podchaos_repeat",
        "PODCHAOS_REPEAT",
        "1",
        "run each scenario N times, as N test items (a scenario's repeat: may ask more); the report "
        "groups them: pass rate and the distribution of each recovery time",
    ),
    Setting(
        "podchaos_api_outage",
        "--podchaos-api-outage",
        "podchaos_api_outage",
        "PODCHAOS_API_OUTAGE",
        "60s",
        "how long an unreachable or failing Kubernetes API is ridden out (every call and watch retried) "
        "before a run fails",
    ),
)
BY_DEST = {setting.dest: setting for setting in SETTINGS}
# Paths, which the ini file gives relative to itself.
PATH_SETTINGS = frozenset(
    {"podchaos_kubeconfig", "podchaos_report_dir", "podchaos_metrics_file", "podchaos_kind_config"}
)

METAVARS = {
    "podchaos_builtin": "yes|no",
    "podchaos_cluster": "{auto,local,kind,existing}",
    "podchaos_kubeconfig": "PATH",
    "podchaos_context": "NAME",
    "podchaos_kubernetes": "VERSION",
    "podchaos_kind_cluster": "NAME",
    "podchaos_kind_config": "FILE",
    "podchaos_kind_image": "IMAGE",
    "podchaos_report_dir": "DIR",
    "podchaos_pushgateway": "URL",
    "podchaos_metrics_file": "PATH",
    "podchaos_api_outage": "DURATION",
    "podchaos_repeat": "N",
}

SCENARIO_DIRS_INI = "podchaos_scenario_dirs"
ALLOW_CONTEXTS_INI = "podchaos_allow_contexts"
ALLOW_NAMESPACES_INI = "podchaos_allow_namespaces"
ALLOW_NAMESPACES_ENV = "PODCHAOS_ALLOW_NAMESPACES"


def add_options(parser: pytest.Parser) -> None:
    """Register the podchaos options and ini keys."""
    group = parser.getgroup("podchaos", "pod-lifecycle chaos on Kubernetes")
    group.addoption(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="run the named scenario (repeatable; globs like 'sidecar-*' or '*'); other tests are deselected",
    )
    group.addoption(
        "--podchaos-list-scenarios",
        action="store_true",
        default=False,
        help="list the scenarios --scenario picks from (invalid files on stderr) and exit",
    )
    group.addoption(
        "--podchaos-list-format",
        choices=("text", "json"),
        default="text",
        help="how --podchaos-list-scenarios prints: text (one line each) or json (one list of objects)",
    )
    group.addoption(
        "--podchaos-scenario-dir",
        action="append",
        default=[],
        metavar="DIR",
        help=f"also read scenarios from DIR (repeatable; ini: {SCENARIO_DIRS_INI})",
    )
    group.addoption(
        "--podchaos-allow-context",
        action="append",
        default=[],
        metavar="NAME",
        help="allow chaos on this context although it does not look disposable "
        f"(repeatable; ini: {ALLOW_CONTEXTS_INI})",
    )
    group.addoption(
        "--podchaos-allow-namespace",
        action="append",
        default=[],
        metavar="NAME",
        help="allow attached scenarios (workload: {namespace: NAME, target: ...}) to disrupt pods in "
        "this namespace; kube-system, kube-public, kube-node-lease and default are refused whatever is "
        f"allowed (repeatable; env: {ALLOW_NAMESPACES_ENV}, comma-separated; ini: {ALLOW_NAMESPACES_INI})",
    )
    for setting in SETTINGS:
        where = f"env: {setting.env}; ini: {setting.ini}; default: {setting.default or 'none'}"
        if setting.dest in {"podchaos_keep_namespace", "podchaos_dry_run"}:
            group.addoption(
                setting.option, action="store_true", default=None, help=f"{setting.help} ({where})"
            )
        else:
            group.addoption(
                setting.option,
                default=None,
                metavar=METAVARS[setting.dest],
                help=f"{setting.help} ({where})",
            )
        parser.addini(setting.ini, type="string", default="", help=f"{setting.help} ({setting.option})")
    parser.addini(
        SCENARIO_DIRS_INI,
        type="paths",
        default=[],
        help="extra scenario directories, relative to the ini file (--podchaos-scenario-dir)",
    )
    parser.addini(
        ALLOW_NAMESPACES_INI,
        type="linelist",
        default=[],
        help="namespaces attached scenarios may disrupt (--podchaos-allow-namespace)",
    )
    parser.addini(
        ALLOW_CONTEXTS_INI,
        type="linelist",
        default=[],
        help="contexts allowed for chaos although they do not look disposable (--podchaos-allow-context)",
    )


def _ini_base(config: pytest.Config) -> Path:
    return config.inipath.parent if config.inipath is not None else config.rootpath


def setting_value(config: pytest.Config, dest: str) -> tuple[str, str]:
    """The setting's value and where it came from (``command line``, ``environment``, ``ini``,
    ``default``, the order in which they win); a path from the ini file is made absolute from the ini
    file's directory."""
    setting = BY_DEST[dest]
    given = config.getoption(dest)
    if given is not None:
        return ("yes" if given is True else str(given)), "command line"
    from_env = os.environ.get(setting.env, "").strip()
    if from_env:
        return from_env, "environment"
    from_ini = str(config.getini(setting.ini) or "").strip()
    if from_ini:
        if dest in PATH_SETTINGS:
            from_ini = str(_ini_base(config) / os.path.expanduser(from_ini))
        return from_ini, "ini"
    return setting.default, "default"


def source_name(dest: str, source: str) -> str:
    """How the user gave the setting: its ini key, its environment variable, or its option."""
    setting = BY_DEST[dest]
    return {"ini": setting.ini, "environment": setting.env}.get(source, setting.option)
