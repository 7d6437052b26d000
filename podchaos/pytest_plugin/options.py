"""podchaos's pytest options parsed once into frozen values (the settings themselves, their
precedence and where each value comes from are in ``settings``)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from podchaos.catalogue import builtin_scenario_dir
from podchaos.loader.repetitions import MAX_REPEAT
from podchaos.pytest_plugin.cluster_options import kind_settings, kubeconfig_settings, kubernetes_release
from podchaos.pytest_plugin.settings import (
    ALLOW_CONTEXTS_INI,
    ALLOW_NAMESPACES_ENV,
    ALLOW_NAMESPACES_INI,
    PROVIDERS,
    SCENARIO_DIRS_INI,
    ProviderName,
    setting_value,
    source_name,
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class PodchaosOptions:
    """Everything podchaos reads from the command line, ini file and environment."""

    scenarios: tuple[str, ...]
    scenario_dirs: tuple[Path, ...]
    user_scenario_dirs: tuple[Path, ...]
    builtin: bool
    list_scenarios: bool
    provider: ProviderName
    kubeconfig: Path | None
    context: str | None
    allowed_contexts: tuple[str, ...]
    kind_cluster: str
    keep_namespace: bool
    api_outage_s: float = 60.0
    dry_run: bool = False
    kubernetes: str | None = None
    repeat: int = 1
    kind_config: Path | None = None
    kind_image: str | None = None
    # The kubeconfig files of the existing provider as found at start-up, and why auto chose the
    # local cluster (said once, when it starts).
    kubeconfig_paths: tuple[Path, ...] = ()
    cluster_note: str | None = None
    # Namespaces attached scenarios may disrupt: the ini file's, the environment's, the command line's.
    allowed_namespaces: tuple[str, ...] = ()

    @property
    def resolved_provider(self) -> Literal["local", "kind", "existing"]:
        """``auto`` means the given kubeconfig/context if any, else the embedded local cluster."""
        if self.provider != "auto":
            return self.provider
        return "existing" if self.kubeconfig or self.context else "local"


def _flag(config: pytest.Config, dest: str) -> bool:
    value, source = setting_value(config, dest)
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    name = source_name(dest, source)
    raise pytest.UsageError(f"{name}: expected yes or no, got {value!r}")


def _provider(config: pytest.Config) -> ProviderName:
    value, source = setting_value(config, "podchaos_cluster")
    if value not in PROVIDERS:
        name = source_name("podchaos_cluster", source)
        raise pytest.UsageError(f"{name}: expected one of {', '.join(PROVIDERS)}, got {value!r}")
    return value


def _duration(config: pytest.Config, dest: str) -> float:
    from podchaos.loader import parse_duration

    value, source = setting_value(config, dest)
    seconds = parse_duration(value)
    if seconds is None or seconds < 0:
        name = source_name(dest, source)
        raise pytest.UsageError(f"{name}: expected a duration such as 60s or 2m, got {value!r}")
    return seconds


def _repeat(config: pytest.Config) -> int:
    value, source = setting_value(config, "podchaos_repeat")
    if not value.isdigit() or not 1 <= int(value) <= MAX_REPEAT:
        name = source_name("podchaos_repeat", source)
        raise pytest.UsageError(f"{name}: expected a whole number from 1 to {MAX_REPEAT}, got {value!r}")
    return int(value)


def _path(config: pytest.Config, dest: str) -> Path | None:
    value, _ = setting_value(config, dest)
    if not value:
        return None
    return (config.invocation_params.dir / os.path.expanduser(value)).resolve()


def _allowed_namespaces(config: pytest.Config) -> tuple[str, ...]:
    """The namespaces allowed for attached scenarios; they add up from the ini file, the environment
    and the command line."""
    allowed = [str(name) for name in config.getini(ALLOW_NAMESPACES_INI)]
    allowed += os.environ.get(ALLOW_NAMESPACES_ENV, "").replace(",", " ").split()
    allowed += config.getoption("podchaos_allow_namespace")
    return tuple(dict.fromkeys(name.strip() for name in allowed if name.strip()))


def read_options(config: pytest.Config) -> PodchaosOptions:
    """The options as given, with the built-in catalogue (unless left out) first among the scenario
    directories."""
    user = [Path(p).resolve() for p in config.getini(SCENARIO_DIRS_INI)]
    base = config.invocation_params.dir
    user += [(base / p).resolve() for p in config.getoption("podchaos_scenario_dir")]
    builtin = _flag(config, "podchaos_builtin")
    user_dirs = tuple(dict.fromkeys(user))
    directories = ((builtin_scenario_dir().resolve(),) if builtin else ()) + user_dirs
    context, _ = setting_value(config, "podchaos_context")
    allowed = [str(name) for name in config.getini(ALLOW_CONTEXTS_INI)]
    allowed += config.getoption("podchaos_allow_context")
    options = PodchaosOptions(
        scenarios=tuple(config.getoption("scenario")),
        scenario_dirs=tuple(dict.fromkeys(directories)),
        user_scenario_dirs=user_dirs,
        builtin=builtin,
        list_scenarios=bool(config.getoption("podchaos_list_scenarios")),
        provider=_provider(config),
        kubeconfig=_path(config, "podchaos_kubeconfig"),
        context=context or None,
        allowed_contexts=tuple(dict.fromkeys(allowed)),
        kind_cluster=setting_value(config, "podchaos_kind_cluster")[0],
        keep_namespace=_flag(config, "podchaos_keep_namespace"),
        api_outage_s=_duration(config, "podchaos_api_outage"),
        dry_run=_flag(config, "podchaos_dry_run"),
        repeat=_repeat(config),
        allowed_namespaces=_allowed_namespaces(config),
    )
    # The cluster settings are checked against the provider chosen above.
    options = kubeconfig_settings(config, options)
    options = dataclasses.replace(options, kubernetes=kubernetes_release(config, options.resolved_provider))
    return kind_settings(config, options)


@dataclass(frozen=True)
class ReportOptions:
    """Where the reports and metrics of a run go, as absolute paths (xdist workers may run elsewhere)."""

    report_dir: Path
    pushgateway: str | None
    metrics_file: Path | None


def read_report_options(config: pytest.Config) -> ReportOptions:
    """The reporting settings, with paths made absolute."""
    report_dir = _path(config, "podchaos_report_dir")
    return ReportOptions(
        report_dir=report_dir or (config.invocation_params.dir / "reports").resolve(),
        pushgateway=setting_value(config, "podchaos_pushgateway")[0] or None,
        metrics_file=_path(config, "podchaos_metrics_file"),
    )
