"""podchaos's pytest command-line options, parsed once into a frozen value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from podchaos.catalogue import builtin_scenario_dir

ProviderName = Literal["auto", "local", "kind", "existing"]


@dataclass(frozen=True)
class PodchaosOptions:
    """Everything podchaos reads from the command line and ini file."""

    scenarios: tuple[str, ...]
    scenario_dirs: tuple[Path, ...]
    list_scenarios: bool
    provider: ProviderName
    kubeconfig: Path | None
    context: str | None
    allowed_contexts: tuple[str, ...]
    kind_cluster: str
    keep_namespace: bool

    @property
    def resolved_provider(self) -> Literal["local", "kind", "existing"]:
        """``auto`` means the given kubeconfig/context if any, else the embedded local cluster."""
        if self.provider != "auto":
            return self.provider
        return "existing" if self.kubeconfig or self.context else "local"


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
        "--list-scenarios", action="store_true", default=False, help="list the scenario catalogue and exit"
    )
    group.addoption(
        "--scenario-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also read scenarios from DIR (repeatable)",
    )
    group.addoption(
        "--podchaos-cluster",
        choices=["auto", "local", "kind", "existing"],
        default="auto",
        help="where to run chaos: the embedded local cluster, a kind cluster, or an existing "
        "kubeconfig context (default auto: existing if --kubeconfig/--context, else local)",
    )
    group.addoption("--kubeconfig", default=None, metavar="PATH", help="kubeconfig of an existing cluster")
    group.addoption("--context", default=None, metavar="NAME", help="kubeconfig context to use")
    group.addoption(
        "--allow-context",
        action="append",
        default=[],
        metavar="NAME",
        help="allow chaos on this context although it does not look disposable (repeatable)",
    )
    group.addoption(
        "--kind-cluster",
        default="podchaos",
        metavar="NAME",
        help="kind cluster to create or reuse with --podchaos-cluster=kind",
    )
    group.addoption(
        "--podchaos-keep-namespace",
        action="store_true",
        default=False,
        help="keep each run's namespace for debugging instead of deleting it",
    )
    group.addoption(
        "--podchaos-report-dir",
        default="reports",
        metavar="DIR",
        help="write results.json and report.html of each run under DIR/<run-id>/ (default: reports)",
    )
    group.addoption(
        "--podchaos-pushgateway",
        default=None,
        metavar="URL",
        help="push the run's metrics to this Prometheus Pushgateway (grouping key: job=podchaos, run_id)",
    )
    group.addoption(
        "--podchaos-metrics-file",
        default=None,
        metavar="PATH",
        help="write the run's metrics to PATH for node-exporter's textfile collector (atomically)",
    )
    parser.addini(
        "podchaos_scenario_dirs",
        type="paths",
        default=[],
        help="extra scenario directories, relative to the ini file",
    )


def read_options(config: pytest.Config) -> PodchaosOptions:
    """The options as given, with the built-in catalogue first among the scenario directories."""
    extra = [Path(p) for p in config.getini("podchaos_scenario_dirs")]
    extra += [Path(p).resolve() for p in config.getoption("scenario_dir")]
    builtin = builtin_scenario_dir()
    directories = ([builtin] if builtin.is_dir() else []) + extra
    kubeconfig = config.getoption("kubeconfig")
    return PodchaosOptions(
        scenarios=tuple(config.getoption("scenario")),
        scenario_dirs=tuple(dict.fromkeys(d.resolve() for d in directories)),
        list_scenarios=bool(config.getoption("list_scenarios")),
        provider=config.getoption("podchaos_cluster"),
        kubeconfig=Path(kubeconfig) if kubeconfig else None,
        context=config.getoption("context"),
        allowed_contexts=tuple(config.getoption("allow_context")),
        kind_cluster=str(config.getoption("kind_cluster")),
        keep_namespace=bool(config.getoption("podchaos_keep_namespace")),
    )


@dataclass(frozen=True)
class ReportOptions:
    """Where the reports and metrics of a run go; relative paths are from pytest's invocation directory."""

    report_dir: Path
    pushgateway: str | None
    metrics_file: Path | None


def read_report_options(config: pytest.Config) -> ReportOptions:
    """The reporting options, with paths made absolute (xdist workers may run elsewhere)."""
    base = config.invocation_params.dir
    metrics_file = config.getoption("podchaos_metrics_file")
    return ReportOptions(
        report_dir=(base / str(config.getoption("podchaos_report_dir"))).resolve(),
        pushgateway=config.getoption("podchaos_pushgateway") or None,
        metrics_file=(base / str(metrics_file)).resolve() if metrics_file else None,
    )
