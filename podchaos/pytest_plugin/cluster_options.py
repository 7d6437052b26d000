"""The settings that shape the cluster a provider makes (Kubernetes release, kind config and node
image), checked against the chosen provider when pytest starts: a bad value is a usage error naming
the setting, the file and the field, not an error of every scenario later."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from podchaos.pytest_plugin.settings import BY_DEST, setting_value, source_name

if TYPE_CHECKING:
    from podchaos.pytest_plugin.options import PodchaosOptions


def kubernetes_release(config: pytest.Config, provider: str) -> str | None:
    """The release of the local cluster or of a kind cluster podchaos creates (``v1.36.3``)."""
    from podchaos.cluster.local.versions import resolve_kubernetes_version
    from podchaos.errors import ClusterSetupError

    value, source = setting_value(config, "podchaos_kubernetes")
    if not value:
        return None
    name = source_name("podchaos_kubernetes", source)
    if provider not in {"local", "kind"}:
        raise pytest.UsageError(
            f"{name}: picks the release of the embedded local cluster or of a kind cluster podchaos "
            f"creates; an {provider} cluster runs its own (scenarios' requires: are checked against it)"
        )
    try:
        return resolve_kubernetes_version(value)
    except ClusterSetupError as exc:
        raise pytest.UsageError(f"{name}: {exc}") from None


def kind_settings(config: pytest.Config, options: PodchaosOptions) -> PodchaosOptions:
    """``options`` with the kind config (checked now) and node image.

    They apply to the kind provider only: given on the command line with another provider they are a
    usage error; from the ini file or the environment (a project's CI setting) they are left unused.
    """
    from podchaos.cluster.kind.config import load_config
    from podchaos.errors import ClusterSetupError

    path_value, path_source = setting_value(config, "podchaos_kind_config")
    image, image_source = setting_value(config, "podchaos_kind_image")
    if options.resolved_provider != "kind":
        for dest, source in (("podchaos_kind_config", path_source), ("podchaos_kind_image", image_source)):
            if source == "command line":
                raise pytest.UsageError(
                    f"{BY_DEST[dest].option}: applies to --podchaos-cluster=kind, not to the "
                    f"{options.resolved_provider} provider"
                )
        return options
    if image and options.kubernetes:
        kubernetes_source = setting_value(config, "podchaos_kubernetes")[1]
        raise pytest.UsageError(
            f"{source_name('podchaos_kind_image', image_source)} and "
            f"{source_name('podchaos_kubernetes', kubernetes_source)}: name the node image or the "
            "Kubernetes release of the kind cluster, not both"
        )
    path = None
    if path_value:
        # Relative to the ini file when it came from there (setting_value made it absolute then).
        path = (config.invocation_params.dir / os.path.expanduser(path_value)).resolve()
        try:
            load_config(path, options.kind_cluster)
        except ClusterSetupError as exc:
            raise pytest.UsageError(f"{source_name('podchaos_kind_config', path_source)}: {exc}") from None
    return dataclasses.replace(options, kind_config=path, kind_image=image or None)


def kubeconfig_settings(config: pytest.Config, options: PodchaosOptions) -> PodchaosOptions:
    """``options`` with ``auto`` resolved as kubectl finds a cluster, the kubeconfig files and the
    context checked now: a named file that does not exist, or a context that is not in the files, is
    a usage error at start-up (``pytest --co`` catches it). Whether the context may be disrupted is
    checked when a test first needs the cluster, so a project's other tests run as before."""
    from podchaos.cluster.existing import default_kubeconfig, load_kubeconfigs
    from podchaos.errors import ClusterError

    if options.provider in {"local", "kind"}:
        return options
    if options.kubeconfig is not None:
        name = source_name("podchaos_kubeconfig", setting_value(config, "podchaos_kubeconfig")[1])
        if not options.kubeconfig.is_file():
            raise pytest.UsageError(f"{name}: {options.kubeconfig}: kubeconfig file does not exist")
        paths: tuple[Path, ...] = (options.kubeconfig,)
    else:
        found = default_kubeconfig()
        name, paths = found.found, found.paths
        named = options.provider == "existing" or options.context or os.environ.get("KUBECONFIG", "").strip()
        if not paths and named:
            raise pytest.UsageError(
                f"{name}: no kubeconfig file exists; name one with --podchaos-kubeconfig, or run on the "
                "embedded cluster with --podchaos-cluster=local"
            )
        if not paths:
            return _local(options, f"no kubeconfig ({name} does not exist)")
    try:
        kubeconfig = load_kubeconfigs(paths)
    except ClusterError as exc:
        raise pytest.UsageError(f"{name}: {exc}") from None
    if options.provider == "auto" and not kubeconfig.contexts and options.context is None:
        return _local(options, f"{kubeconfig.where} defines no context")
    try:
        context = kubeconfig.context(options.context)
    except ClusterError as exc:
        given = setting_value(config, "podchaos_context")[1]
        prefix = f"{source_name('podchaos_context', given)}: " if options.context else ""
        raise pytest.UsageError(f"{prefix}{exc}") from None
    return dataclasses.replace(options, provider="existing", kubeconfig_paths=paths, context=context.name)


def _local(options: PodchaosOptions, why: str) -> PodchaosOptions:
    note = f"{why}: chaos runs on the embedded local cluster (--podchaos-cluster=local)"
    return dataclasses.replace(options, provider="local", cluster_note=note)
