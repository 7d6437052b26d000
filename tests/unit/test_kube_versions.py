"""Kubernetes versions: what a cluster reports, the ranges a scenario's ``requires:`` names, and
whether one satisfies the other."""

from __future__ import annotations

import re

import pytest

from podchaos.model.versions import (
    VERSION_SPEC_PATTERN,
    KubeVersion,
    Requirements,
    parse_version_spec,
)


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("v1.36.3", KubeVersion(1, 36, 3)),
        ("1.35.4", KubeVersion(1, 35, 4)),
        ("v1.37.0-rc.1", KubeVersion(1, 37, 0)),
        ("v1.36.3+k3s1", KubeVersion(1, 36, 3)),
        ("v1.36.3-gke.1200", KubeVersion(1, 36, 3)),
    ],
)
def test_a_clusters_version_is_read_without_its_suffix(reported: str, expected: KubeVersion) -> None:
    assert KubeVersion.parse(reported) == expected
    assert str(expected) == f"v{expected.major}.{expected.minor}.{expected.patch}"


@pytest.mark.parametrize("reported", ["", "1.36", "v1", "latest", "v1.36.x"])
def test_a_version_that_is_not_major_minor_patch_is_refused(reported: str) -> None:
    with pytest.raises(ValueError, match=r"expected a Kubernetes version such as v1\.36\.3"):
        KubeVersion.parse(reported)


@pytest.mark.parametrize(
    ("spec", "version", "matches"),
    [
        (">=1.35", "v1.35.0", True),
        (">=1.35", "v1.34.9", False),
        (">=1.35", "v1.37.2", True),
        # A MAJOR.MINOR bound compares the minor only: every 1.36 patch is <=1.36, none is >1.36.
        ("<=1.36", "v1.36.5", True),
        (">1.36", "v1.36.5", False),
        (">1.36", "v1.37.0", True),
        ("<1.36", "v1.36.0", False),
        ("<1.36", "v1.35.9", True),
        ("==1.36", "v1.36.3", True),
        ("1.36", "v1.36.3", True),
        ("1.36", "v1.37.0", False),
        ("!=1.36", "v1.36.1", False),
        ("!=1.36", "v1.35.4", True),
        # With a patch, the patch counts.
        (">=1.36.3", "v1.36.2", False),
        (">=1.36.3", "v1.36.3", True),
        ("==1.36.3", "v1.36.4", False),
        (">1.36.3", "v1.36.4", True),
        ("<1.36.3", "v1.36.2", True),
        ("!=1.36.3", "v1.36.3", False),
        # All comparisons must hold.
        (">=1.34, <1.37", "v1.36.9", True),
        (">=1.34, <1.37", "v1.37.0", False),
        (">=1.34, <1.37", "v1.33.9", False),
        ("v1.35 , != 1.35.1", "v1.35.1", False),
        ("v1.35 , != 1.35.1", "v1.35.2", True),
    ],
)
def test_a_spec_matches_the_versions_it_names(spec: str, version: str, matches: bool) -> None:
    assert parse_version_spec(spec).matches(KubeVersion.parse(version)) is matches


@pytest.mark.parametrize(
    "spec",
    ["", " ", "1", "1.x", ">=1.35,", ",>=1.35", "=>1.35", "~1.35", ">=1.35 <1.37", ">= latest", "1.35.4.1"],
)
def test_a_malformed_spec_says_what_is_expected(spec: str) -> None:
    with pytest.raises(ValueError, match=r'expected comparisons of Kubernetes versions .* such as ">=1.35"'):
        parse_version_spec(spec)


@pytest.mark.parametrize("spec", [">=1.37, <1.35", "==1.36, !=1.36", ">1.36.3, <1.36.4", "<1.0.0, >2.0"])
def test_a_spec_no_version_satisfies_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match=r"no Kubernetes version satisfies .*contradict"):
        parse_version_spec(spec)


@pytest.mark.parametrize("spec", [">=1.36, <1.36.1", ">1.35.9, <1.36", "==1.36.0, <=1.36"])
def test_a_narrow_spec_that_one_version_satisfies_is_accepted(spec: str) -> None:
    parse_version_spec(spec)


@pytest.mark.parametrize("spec", [">=1.35", ">=1.34, <1.37", "1.36", "v1.36.3", " >= 1.35 ,<2.0", "!=1.36.1"])
def test_the_schema_pattern_accepts_what_the_loader_accepts(spec: str) -> None:
    parse_version_spec(spec)
    assert re.match(VERSION_SPEC_PATTERN, spec)


@pytest.mark.parametrize("spec", ["", "1.x", ">=1.35,", "=>1.35", "~1.35"])
def test_the_schema_pattern_refuses_malformed_specs(spec: str) -> None:
    assert not re.match(VERSION_SPEC_PATTERN, spec)


def test_an_unmet_requirement_names_the_spec_and_the_clusters_version() -> None:
    requires = Requirements(kubernetes=parse_version_spec(">=1.36"))

    assert requires.unmet("v1.35.4") == "requires Kubernetes >=1.36; the cluster runs v1.35.4"
    assert requires.unmet("v1.36.0-rc.1") is None
    assert requires.unmet("v1.37.2") is None


def test_a_version_that_cannot_be_compared_is_unmet_not_ignored() -> None:
    requires = Requirements(kubernetes=parse_version_spec(">=1.36"))

    assert requires.unmet("weird-build") == (
        "requires Kubernetes >=1.36; the cluster's version 'weird-build' cannot be compared"
    )


def test_nothing_required_is_always_met() -> None:
    assert Requirements().unmet("v1.0.0") is None
    assert Requirements().unmet("") is None
