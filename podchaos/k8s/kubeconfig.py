"""Kubeconfig files merged by the Kubernetes client's own loader, as it reads ``$KUBECONFIG``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import ENV_KUBECONFIG_PATH_SEPARATOR, KubeConfigMerger

from podchaos.errors import ClusterError

SECTIONS = ("clusters", "contexts", "users")


def merged_kubeconfig(paths: Sequence[Path]) -> dict[str, Any]:
    """The one kubeconfig document the client makes of ``paths`` (missing files left out, as kubectl
    does for ``$KUBECONFIG``): for a name defined twice, the first file's entry wins. The current
    context is the first file's that sets one, kubectl's rule (the client would take the last: podchaos
    hands the client the context by name, so both read the same cluster)."""
    joined = ENV_KUBECONFIG_PATH_SEPARATOR.join(os.fspath(path) for path in paths)
    try:
        merger = KubeConfigMerger(joined)
    except ConfigException as exc:
        raise ClusterError(f"{joined}: not a kubeconfig: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ClusterError(f"{joined}: not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ClusterError(f"{joined}: cannot read kubeconfig: {exc}") from exc
    except (AttributeError, TypeError, KeyError) as exc:
        # The merger expects mappings with named entries; anything else fails inside it.
        raise ClusterError(f"{joined}: not a kubeconfig (malformed {exc})") from exc
    document: dict[str, Any] = {section: [] for section in SECTIONS}
    if merger.config is not None:
        for section in SECTIONS:
            document[section] = [node.value for node in merger.config.value.get(section, [])]
    for path in merger.paths:
        current = merger.config_files[path].get("current-context")
        if current:
            document["current-context"] = current
            break
    return document
