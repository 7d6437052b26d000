"""Remove the file tokens a run wrote into an attached workload's containers.

In a run's own namespace a token goes with the pods; in a workload that already runs it would stay
(in an emptyDir while the pod lives, on a PersistentVolume for good). So once the observation ends,
every target pod still running is asked to remove the file, but only while it still holds the run's
own token: a file the application wrote there meanwhile is left alone.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from podchaos.errors import PodchaosError, TokenError
from podchaos.k8s.client import Kube
from podchaos.model.timeline import FileToken, PodState

# Exit 0: removed or not there (or not ours); anything else: could not check.
_REMOVE = '[ -e {path} ] || exit 0; [ "$(cat -- {path})" = {token} ] || exit 0; rm -f -- {path}'


def remove_tokens(kube: Kube, namespace: str, written: Sequence[FileToken], pods: Sequence[PodState]) -> None:
    """Remove each written token from every running target pod's container that still holds it; a
    TokenError naming what could not be removed."""
    problems = []
    for token in written:
        if token.content is None:
            continue  # never written
        script = _REMOVE.format(path=shlex.quote(token.path), token=shlex.quote(token.content))
        for pod in pods:
            container = pod.container(token.container)
            if pod.pod.deleting or container is None or container.state != "running":
                continue
            try:
                result = kube.exec(namespace, pod.pod.pod, token.container, ["sh", "-c", script])
            except PodchaosError as exc:
                problems.append(f"{pod.pod.pod}/{token.container}:{token.path}: {exc}")
                continue
            if result.exit_code != 0:
                problems.append(f"{pod.pod.pod}/{token.container}:{token.path}: exit {result.exit_code}")
    if problems:
        raise TokenError(f"file tokens left in the attached workload: {'; '.join(problems)}")
