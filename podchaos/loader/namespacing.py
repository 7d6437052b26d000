"""Where a workload's objects go: every one into the run's own namespace. A rendered chart or
kustomization names a namespace (``helm template`` writes ``.Release.Namespace``); a namespaced object
that names one is moved into the run's namespace, and the run's report says so. A cluster-scoped
object is refused: it would outlive the run's namespace, which is all a run deletes, and it would
change the cluster for everyone else on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podchaos.loader.fields import Reader

# The built-in kinds `kubectl api-resources --namespaced=false` lists (Kubernetes 1.37), less those
# only ever created by a component (Node, CSINode, ComponentStatus) or as a request (reviews).
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterTrustBundle",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "DeviceClass",
        "DeviceTaintRule",
        "FlowSchema",
        "IngressClass",
        "IPAddress",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "ResourceSlice",
        "RuntimeClass",
        "ServiceCIDR",
        "StorageClass",
        "StorageVersionMigration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
        "VolumeAttributesClass",
    }
)


def into_run_namespace(
    reader: Reader, path: str, kind: str, body: Mapping[str, Any]
) -> tuple[Mapping[str, Any], str]:
    """``body`` without ``metadata.namespace``, and the namespace it named ("" when none); a
    cluster-scoped kind is a ScenarioError saying why."""
    if kind in CLUSTER_SCOPED_KINDS:
        raise reader.fail(
            f"{path}.kind",
            f"{kind} is cluster-scoped: a run creates objects only in its own namespace, which it deletes "
            "afterwards, so this one would outlive the run and change the cluster for everyone on it; "
            "create it beforehand, outside the scenario",
        )
    metadata = reader.mapping(body.get("metadata"), f"{path}.metadata")
    if "namespace" not in metadata:
        return body, ""
    named = reader.string(metadata["namespace"], f"{path}.metadata.namespace")
    moved = {key: value for key, value in metadata.items() if key != "namespace"}
    return {**body, "metadata": moved}, named
