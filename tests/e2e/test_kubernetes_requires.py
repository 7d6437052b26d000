"""``requires:`` against the real cluster's version: the scenario written for the running minor runs and
passes, the ones written for other versions are skipped with the reason and leave no run behind."""

from __future__ import annotations

import json

import pytest

from podchaos.catalogue import builtin_scenario_dir
from podchaos.cluster.local.cluster import LocalCluster
from podchaos.cluster.local.layout import Layout
from podchaos.model.versions import KubeVersion

# Read at import, before pytester points HOME at a temporary directory (Layout.default() follows HOME).
BUILD_CACHE = Layout.default().cache
RUNNING = KubeVersion.parse(LocalCluster().layout.kubernetes_version)
SCENARIO = (builtin_scenario_dir() / "main-kill-restart-always.scenario.yaml").read_text()


@pytest.mark.e2e
def test_requires_runs_the_scenario_on_its_versions_and_skips_it_elsewhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODCHAOS_CACHE_DIR", str(BUILD_CACHE))
    minor = f"{RUNNING.major}.{RUNNING.minor}"
    specs = {
        "for-this-minor": f"=={minor}",
        "for-newer": f">{minor}",
        "for-older": f"<{minor}",
    }
    directory = pytester.mkdir("chaos")
    for name, spec in specs.items():
        text = SCENARIO.replace("name: main-kill-restart-always", f"name: {name}")
        (directory / f"{name}.scenario.yaml").write_text(
            text + f"requires: {{kubernetes: {json.dumps(spec)}}}\n"
        )

    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-rs",
        "--podchaos-builtin=no",
        "--podchaos-scenario-dir=chaos",
        "--scenario=*",
        "--podchaos-report-dir=out",
    )

    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines_random(
        [
            f"SKIPPED [[]1[]] chaos/for-newer.scenario.yaml:1: requires Kubernetes >{minor}; "
            f"the cluster runs {RUNNING}",
            f"SKIPPED [[]1[]] chaos/for-older.scenario.yaml:1: requires Kubernetes <{minor}; "
            f"the cluster runs {RUNNING}",
        ]
    )
    # Only the scenario that ran is in the report: a skip leaves no run.
    (run_dir,) = [path for path in (pytester.path / "out").iterdir() if path.is_dir()]
    document = json.loads((run_dir / "results.json").read_text())
    assert [run["scenario"] for run in document["scenarios"]] == ["for-this-minor"]
    assert document["versions"]["cluster"] == str(RUNNING)
