"""The one exception tree of podchaos.

Every error podchaos raises is a :class:`PodchaosError`. Errors from libraries
(the Kubernetes client, subprocesses, YAML) are translated at the boundary that
calls them, with ``raise ... from`` so the cause stays visible.
"""

from __future__ import annotations

import re


class PodchaosError(Exception):
    """Base of every podchaos error."""


class ScenarioError(PodchaosError):
    """A scenario file is invalid: names the file, the field path and what was expected."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        location = f"{source}: {field}" if field else source
        super().__init__(f"{location}: {problem}")


class UsageProblem(PodchaosError):
    """The command line or ini settings ask for something that cannot be: a missing or empty scenario
    directory, two scenario files with the same name. pytest reports it as a usage error (exit 4)."""


class UnknownScenario(PodchaosError):
    """A ``--scenario`` name or pattern matched no scenario file."""

    def __init__(self, name: str, close_matches: list[str], available: list[str]) -> None:
        self.name = name
        self.close_matches = close_matches
        self.available = available
        hint = (
            f"did you mean: {', '.join(close_matches)}?"
            if close_matches
            else f"available: {', '.join(available) or '(none)'}"
        )
        super().__init__(f"no scenario matches {name!r}; {hint}")


class ClusterError(PodchaosError):
    """The cluster could not be reached, created or changed as asked."""


class ApiUnreachable(ClusterError):
    """No answer from the Kubernetes API at all: the connection was refused, reset or timed out."""


class ApiError(ClusterError):
    """The Kubernetes API refused a request; carries the HTTP status, the API's reason and message.

    ``causes`` are the Status causes as ``(reason, message)``: an eviction refused by a budget carries
    ``("DisruptionBudget", "The disruption budget web needs 1 healthy pods and has 1 currently")``.
    """

    def __init__(
        self, action: str, status: int, reason: str, message: str, causes: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.action = action
        self.status = status
        self.reason = reason
        self.message = message
        self.causes = causes
        super().__init__(f"{action}: HTTP {status} {reason}: {message}")


class ObjectNotFound(ApiError):
    """The object does not exist (HTTP 404)."""


class Conflict(ApiError):
    """HTTP 409: the object already exists, or changed since it was read."""


class Forbidden(ApiError):
    """HTTP 403: the account lacks a permission. ``verb`` and ``resource`` (``nodes``, ``pods/eviction``,
    ``leases.coordination.k8s.io``) name it when the API said which (it does for RBAC denials)."""

    def __init__(
        self, action: str, status: int, reason: str, message: str, causes: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(action, status, reason, message, causes)
        self.user, self.verb, self.resource, self.scope = _denial(message)
        found = re.search(
            r'error looking up service account (?P<account>[^:\s]+): serviceaccount "[^"]*" not', message
        )
        self.missing_account = found["account"] if found else ""
        """The ServiceAccount the API could not find (``ns/default``): not a permission problem."""
        if self.missing_account:
            self.args = (
                f"{action}: the ServiceAccount {self.missing_account} does not exist (yet): the"
                " controller-manager creates each namespace's default account, and the API refuses pods"
                f" until it has; not a missing permission (the API said: {message})",
            )
        elif self.verb:
            where = f" ({self.scope})" if self.scope else ""
            self.args = (
                f"{action}: forbidden: {self.user or 'the account'} lacks the permission to {self.verb} "
                f"{self.resource}{where}; `podchaos rbac` prints the roles a run needs",
            )
        else:
            self.args = (
                f"{action}: forbidden (HTTP 403): {message}; `podchaos rbac` prints the roles a run needs",
            )


def _denial(message: str) -> tuple[str, str, str, str]:
    """(user, verb, resource, scope) of an RBAC denial message; empty strings when it is not one."""
    found = re.search(
        r'User "(?P<user>[^"]*)" cannot (?P<verb>[a-z]+) resource "(?P<resource>[^"]+)"'
        r'(?: in API group "(?P<group>[^"]*)")?(?P<scope> in the namespace "[^"]*"| at the cluster scope)?',
        message,
    )
    if found is None:
        return "", "", "", ""
    group = found["group"] or ""
    resource = f"{found['resource']}.{group}" if group else found["resource"]
    scope = (found["scope"] or "").strip().replace("the namespace ", "namespace ").replace('"', "")
    return found["user"], found["verb"], resource, scope


class TooManyRequests(ApiError):
    """HTTP 429: throttled, or an eviction that would violate a PodDisruptionBudget (see ``causes``)."""


class ClusterSetupError(ClusterError):
    """The embedded local cluster cannot be set up on this machine (not root, port taken, build failed...)."""


class UnsafeContext(ClusterError):
    """Refused to run chaos against a kubeconfig context that is not known to be disposable."""


class UnsafeNamespace(ClusterError):
    """Refused to attach to a namespace not allowed explicitly, or to a system namespace."""


class FaultError(PodchaosError):
    """A fault could not be injected, or did not take effect."""


class TokenError(PodchaosError):
    """A file token cannot be written or read: its path cannot be reached in the container."""


class TriggerNotReached(FaultError):
    """A fault's trigger never saw its moment (within its time, or the pod went first): the fault did
    not fire, so the run tested nothing and fails."""


class WaitTimeout(PodchaosError):
    """A condition was not reached in time; says what was awaited and what was last seen."""

    def __init__(self, what: str, timeout_s: float, last_seen: str = "") -> None:
        self.what = what
        self.timeout_s = timeout_s
        self.last_seen = last_seen
        detail = f"; last seen: {last_seen}" if last_seen else ""
        super().__init__(f"timed out after {timeout_s:g}s waiting for {what}{detail}")


class Undecided(PodchaosError):
    """Observation ended before some expectation could be decided (an API outage hid the evidence),
    and none was decided against: the run cannot say whether the workload behaved."""


class WorkloadNotSteady(PodchaosError):
    """The workload never reached its steady state, so no fault was injected."""


class ReportError(PodchaosError):
    """A report document is missing or is not a podchaos report."""


class MetricsError(PodchaosError):
    """Metrics could not be exported (Pushgateway unreachable or refusing, file not writable)."""


def describe_error(exc: BaseException) -> str:
    """A run's error as reports show it: the podchaos error's class and message, or, for anything
    outside the podchaos tree (a bug, an untranslated library error), the same marked ``unexpected``."""
    kind = type(exc).__name__
    return f"{kind}: {exc}" if isinstance(exc, PodchaosError) else f"unexpected {kind}: {exc}"
