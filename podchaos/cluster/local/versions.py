"""Which Kubernetes release the local cluster runs: the default, the tested ones, and what a user names.

Any release of ``k8s.io/kubernetes`` the Go module proxy serves from ``OLDEST_MINOR`` on can be built
(``podchaos cluster up --kubernetes 1.36.3``); the tested ones are those the whole catalogue was run on
here (``make compare-versions``), the newest patch of each minor.
"""

from __future__ import annotations

import re

from podchaos.errors import ClusterSetupError
from podchaos.model.versions import KubeVersion

DEFAULT_KUBERNETES_VERSION = "v1.37.2"
TESTED_KUBERNETES_VERSIONS = ("v1.35.4", "v1.36.3", "v1.37.2")
# Native sidecars and PodDisruptionConditions are GA from 1.33/1.34, and the kubelet configuration
# podchaos writes (failCgroupV1, ...) needs a current kubelet.
OLDEST_MINOR = (1, 34)
DEFAULT_WORD = "default"
# Where `podchaos cluster up` and pytest's --podchaos-kubernetes read the release from the environment.
KUBERNETES_ENV = "PODCHAOS_KUBERNETES"

_RELEASE_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")


def resolve_kubernetes_version(text: str) -> str:
    """The release ``text`` names, as ``vX.Y.Z``: ``1.36.3`` or ``v1.36.3`` as given, ``1.36`` the
    tested patch of that minor, ``default`` the default. ClusterSetupError, saying what is accepted,
    for anything else."""
    wanted = text.strip()
    if wanted.lower() == DEFAULT_WORD:
        return DEFAULT_KUBERNETES_VERSION
    tested = ", ".join(TESTED_KUBERNETES_VERSIONS)
    match = _RELEASE_RE.match(wanted)
    if match is None:
        raise ClusterSetupError(
            f"Kubernetes version {text!r}: expected a release such as 1.36.3 (or v1.36.3), a tested "
            f"minor such as 1.36, or {DEFAULT_WORD!r} ({DEFAULT_KUBERNETES_VERSION}); tested: {tested}"
        )
    major, minor, patch = match.groups()
    if (int(major), int(minor)) < OLDEST_MINOR:
        raise ClusterSetupError(
            f"Kubernetes version {text!r}: the local cluster runs Kubernetes "
            f"{OLDEST_MINOR[0]}.{OLDEST_MINOR[1]} or newer; tested: {tested}"
        )
    if patch is None:
        same_minor = [
            version
            for version in TESTED_KUBERNETES_VERSIONS
            if (KubeVersion.parse(version).major, KubeVersion.parse(version).minor)
            == (int(major), int(minor))
        ]
        if not same_minor:
            raise ClusterSetupError(
                f"Kubernetes version {text!r}: no tested release of {major}.{minor}; name the patch "
                f"(such as {major}.{minor}.0) or a tested minor; tested: {tested}"
            )
        return same_minor[-1]
    return str(KubeVersion(int(major), int(minor), int(patch)))
