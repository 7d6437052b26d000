"""Kubernetes versions: the version a cluster runs and the versions a scenario requires.

Lifecycle behaviour changes between Kubernetes minors (per-container restart rules, the crash-loop
back-off cap, native sidecars), so a scenario can say which versions it is written for
(``requires: {kubernetes: ">=1.35"}``) and is skipped, with the reason, on a cluster outside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What a cluster reports: v1.36.3, and what distributions and pre-releases append (v1.37.0-rc.1,
# v1.36.3+k3s1, v1.36.3-gke.1200).
_SERVER_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")
# What a scenario file may name: MAJOR.MINOR or MAJOR.MINOR.PATCH, with or without a leading v.
_SPEC_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")
_CLAUSE_RE = re.compile(r"^(>=|<=|==|!=|>|<)?\s*(\S+)$")
OPERATORS = (">=", ">", "<=", "<", "==", "!=")
# The same shape as a JSON Schema pattern (ECMA-262), for editors; the loader checks contradictions too.
_CLAUSE_PATTERN = r"\s*(>=|<=|==|!=|>|<)?\s*v?\d+\.\d+(\.\d+)?\s*"
VERSION_SPEC_PATTERN = rf"^{_CLAUSE_PATTERN}(,{_CLAUSE_PATTERN})*$"
SPEC_HELP = (
    'comparisons of Kubernetes versions joined by commas, such as ">=1.35" or ">=1.34, <1.37" '
    "(operators >=, >, <=, <, ==, !=; versions MAJOR.MINOR or MAJOR.MINOR.PATCH; "
    "a MAJOR.MINOR version compares the minor only, so <=1.36 includes 1.36.5)"
)


@dataclass(frozen=True, order=True)
class KubeVersion:
    """A Kubernetes release: ``major.minor.patch``."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> KubeVersion:
        """A cluster's version (``v1.36.3``, ``1.36.3``, ``v1.37.0-rc.1``, ``v1.36.3+k3s1``); a
        pre-release or build suffix is ignored. ValueError when ``text`` is not such a version."""
        match = _SERVER_VERSION_RE.match(text.strip())
        if match is None:
            raise ValueError(f"expected a Kubernetes version such as v1.36.3, got {text!r}")
        major, minor, patch = (int(part) for part in match.groups())
        return cls(major, minor, patch)

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class VersionClause:
    """One comparison: ``>=1.35`` (``patch`` None: the minor is compared, whatever the patch)."""

    operator: str
    major: int
    minor: int
    patch: int | None = None

    def matches(self, version: KubeVersion) -> bool:
        """Whether ``version`` satisfies this comparison."""
        if self.patch is None:
            seen: tuple[int, ...] = (version.major, version.minor)
            bound: tuple[int, ...] = (self.major, self.minor)
        else:
            seen, bound = (version.major, version.minor, version.patch), (self.major, self.minor, self.patch)
        match self.operator:
            case ">=":
                return seen >= bound
            case ">":
                return seen > bound
            case "<=":
                return seen <= bound
            case "<":
                return seen < bound
            case "==":
                return seen == bound
            case _:
                return seen != bound

    def __str__(self) -> str:
        version = f"{self.major}.{self.minor}" + ("" if self.patch is None else f".{self.patch}")
        return f"{self.operator}{version}"


@dataclass(frozen=True)
class VersionSpec:
    """Comparisons that must all hold: ``>=1.34, <1.37``."""

    clauses: tuple[VersionClause, ...]

    def matches(self, version: KubeVersion) -> bool:
        """Whether ``version`` satisfies every comparison."""
        return all(clause.matches(version) for clause in self.clauses)

    def __str__(self) -> str:
        return ", ".join(str(clause) for clause in self.clauses)


def parse_version_spec(text: str) -> VersionSpec:
    """``">=1.34, <1.37"`` as a VersionSpec; a bare version means ``==``. ValueError, saying what
    is expected, when ``text`` is not such a spec or no version satisfies it."""
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise ValueError(f"expected {SPEC_HELP}, got {text!r}")
    clauses = []
    for part in parts:
        clause_match = _CLAUSE_RE.match(part)
        version_match = _SPEC_VERSION_RE.match(clause_match.group(2)) if clause_match else None
        if clause_match is None or version_match is None:
            raise ValueError(f"expected {SPEC_HELP}, got {part!r} in {text!r}")
        major, minor, patch = version_match.groups()
        clauses.append(
            VersionClause(
                clause_match.group(1) or "==", int(major), int(minor), None if patch is None else int(patch)
            )
        )
    spec = VersionSpec(tuple(clauses))
    if not any(spec.matches(candidate) for candidate in _candidates(spec)):
        raise ValueError(f"no Kubernetes version satisfies {text!r}: its comparisons contradict each other")
    return spec


def _candidates(spec: VersionSpec) -> list[KubeVersion]:
    """Versions at and next to every bound of ``spec``: if any version satisfies it, one of these does
    (the versions it allows are intervals with holes, and each interval starts or ends at a bound)."""
    far = 10**6
    found = [KubeVersion(0, 0, 0), KubeVersion(far, 0, 0)]
    for clause in spec.clauses:
        patch = clause.patch if clause.patch is not None else 0
        found += [
            KubeVersion(clause.major, clause.minor, patch),
            KubeVersion(clause.major, clause.minor, patch + 1),
            KubeVersion(clause.major, clause.minor, far),
            KubeVersion(clause.major, clause.minor + 1, 0),
            KubeVersion(clause.major + 1, 0, 0),
        ]
        if patch > 0:
            found.append(KubeVersion(clause.major, clause.minor, patch - 1))
        if clause.minor > 0:
            found.append(KubeVersion(clause.major, clause.minor - 1, far))
        if clause.major > 0:
            found.append(KubeVersion(clause.major - 1, far, far))
    return found


@dataclass(frozen=True)
class Requirements:
    """What a scenario needs of the cluster it runs on (``requires:``); nothing by default."""

    kubernetes: VersionSpec | None = field(default=None)

    def unmet(self, server_version: str) -> str | None:
        """Why a cluster reporting ``server_version`` cannot run the scenario, or None when it can.

        A version that cannot be read is a reason too: the scenario is then skipped, never run on a
        cluster it may not be written for.
        """
        if self.kubernetes is None:
            return None
        try:
            version = KubeVersion.parse(server_version)
        except ValueError:
            return (
                f"requires Kubernetes {self.kubernetes}; the cluster's version {server_version!r} "
                "cannot be compared"
            )
        if self.kubernetes.matches(version):
            return None
        return f"requires Kubernetes {self.kubernetes}; the cluster runs {server_version}"
