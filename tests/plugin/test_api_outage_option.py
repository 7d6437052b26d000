"""--podchaos-api-outage: how long runs ride out an API that cannot be used, from the command line,
the environment or the ini file (in that order); a value that is not a duration is a usage error."""

from __future__ import annotations

import pytest

SHOW = """
import pytest
from podchaos.pytest_plugin.options import read_options


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    print(f"OUTAGE {read_options(config).api_outage_s:g}")
"""


def test_the_outage_budget_defaults_to_60s_and_follows_command_line_environment_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(SHOW)
    pytester.runpytest_subprocess("--co", "-s").stdout.fnmatch_lines(["OUTAGE 60"])
    pytester.makeini("[pytest]\npodchaos_api_outage = 2m\n")
    pytester.runpytest_subprocess("--co", "-s").stdout.fnmatch_lines(["OUTAGE 120"])
    monkeypatch.setenv("PODCHAOS_API_OUTAGE", "90s")
    pytester.runpytest_subprocess("--co", "-s").stdout.fnmatch_lines(["OUTAGE 90"])
    result = pytester.runpytest_subprocess("--co", "-s", "--podchaos-api-outage=15s")
    result.stdout.fnmatch_lines(["OUTAGE 15"])


def test_an_outage_budget_that_is_not_a_duration_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npodchaos_api_outage = forever\n")
    result = pytester.runpytest_subprocess("--co")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*podchaos_api_outage: expected a duration such as 60s or 2m, got 'forever'*"]
    )
