"""Client errors become the podchaos exception tree: status -> class, and the Status body read once
into reason, message and causes on every API error."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException

from podchaos.errors import ApiError, Conflict, ObjectNotFound, TooManyRequests
from podchaos.k8s.translate import translated


def raised(status: int, body: str | None, reason: str = "Status Reason") -> ApiError:
    exc = ApiException(status=status, reason=reason)
    exc.body = body
    with pytest.raises(ApiError) as info, translated("evict pod web-1"):
        raise exc
    return info.value


def test_a_budget_refusal_carries_its_message_and_causes() -> None:
    body = {
        "kind": "Status",
        "reason": "TooManyRequests",
        "message": "Cannot evict pod as it would violate the pod's disruption budget.",
        "details": {"causes": [{"reason": "DisruptionBudget", "message": "needs 1 has 1"}, "junk"]},
    }
    error = raised(429, json.dumps(body))
    assert type(error) is TooManyRequests
    assert (error.status, error.reason) == (429, "TooManyRequests")
    assert error.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert error.causes == (("DisruptionBudget", "needs 1 has 1"),)
    assert str(error).startswith("evict pod web-1: HTTP 429 TooManyRequests: Cannot evict")


@pytest.mark.parametrize(
    ("status", "kind"), [(404, ObjectNotFound), (409, Conflict), (500, ApiError), (0, ApiError)]
)
def test_status_picks_the_class_and_every_error_has_message_and_causes(
    status: int, kind: type[ApiError]
) -> None:
    body = {"reason": "Whatever", "message": "said so", "details": {"causes": [{"reason": "R"}]}}
    error = raised(status, json.dumps(body))
    assert type(error) is kind
    assert (error.reason, error.message, error.causes) == ("Whatever", "said so", (("R", ""),))


@pytest.mark.parametrize("body", ["<html>bad gateway</html>", '["a list"]', '"a string"'])
def test_a_body_that_is_no_status_object_falls_back_to_reason_and_raw_body(body: str) -> None:
    error = raised(502, body, reason="Bad Gateway")
    assert (error.reason, error.message, error.causes) == ("Bad Gateway", body, ())


def test_no_body_and_odd_causes() -> None:
    assert (raised(404, None, "Not Found").message, raised(404, None).causes) == ("", ())
    error = raised(429, json.dumps({"message": "m", "details": {"causes": {"reason": "not a list"}}}))
    assert (error.reason, error.causes) == ("Status Reason", ())
