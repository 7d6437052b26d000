"""The run engine's figures: what podchaos adds on top of what Kubernetes does.

    python bench/engine.py              # start-up, catalogue -n 4 and -n 0, API requests per scenario

Each figure is printed with its target and, as a ratio, against a baseline measured in the same run:
- added pytest start-up: ``pytest --co`` in an empty project with podchaos loaded vs ``-p no:podchaos``
  (target <= 0.15 s);
- per-scenario overhead across the catalogue: wall time - the time Kubernetes worked (deploy until the
  verdict was decided, from the run's phase times) - settle; median (target <= 1.0 s);
- the catalogue's wall time with ``-n 4`` (target <= 70 s) and ``-n 0`` (target <= 300 s);
- API requests per scenario: the apiserver's own ``apiserver_request_total`` over the serial run, minus
  what the idle cluster asks for in the same time (measured just before), per verb.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUSY_PHASES = ("deploy", "steady", "inject", "observe")


def show(what: str, value: str) -> None:
    print(f"{what:<58} {value}", flush=True)


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]


def startup() -> None:
    """Median of 9 ``pytest --co`` in an empty project, with and without the plugin, interleaved."""
    with tempfile.TemporaryDirectory() as empty:
        (Path(empty) / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
        timings: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(9):
            for key, extra in (("with", ()), ("without", ("-p", "no:podchaos"))):
                started = time.perf_counter()
                subprocess.run(
                    pytest_command("--co", "-q", *extra), cwd=empty, check=True, capture_output=True
                )
                timings[key].append(time.perf_counter() - started)
    with_plugin, without = statistics.median(timings["with"]), statistics.median(timings["without"])
    added = with_plugin - without
    show("pytest start-up without podchaos (baseline)", f"{without:8.3f} s")
    show(
        "pytest start-up added by podchaos (target <= 0.15 s)",
        f"{added:8.3f} s   ({added / 0.15:.2f}x target)",
    )


def catalogue(workers: int, report_dir: Path, names: list[str]) -> tuple[float, list[dict[str, Any]]]:
    """Run the catalogue (or the scenarios ``names`` picks); its wall time and results.json's runs."""
    started = time.perf_counter()
    selection = [f"--scenario={name}" for name in names or ["*"]]
    done = subprocess.run(
        pytest_command(
            *selection,
            "-n",
            str(workers),
            "--podchaos-cluster=local",
            f"--podchaos-report-dir={report_dir}",
            "-q",
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n")
        raise SystemExit(f"the catalogue failed with -n {workers} (exit {done.returncode})")
    (results,) = report_dir.glob("*/results.json")
    runs: list[dict[str, Any]] = json.loads(results.read_text())["scenarios"]
    return wall, runs


def overheads(runs: list[dict[str, Any]]) -> list[float]:
    """Per run: wall time - what Kubernetes worked (deploy until decided) - settle."""
    return [
        run["duration_s"] - sum(run["phases"][phase] for phase in BUSY_PHASES) - run["phases"]["settle"]
        for run in runs
    ]


def api_requests(kube: Any) -> Counter[str]:
    """The apiserver's ``apiserver_request_total``, summed per verb."""
    from prometheus_client.parser import text_string_to_metric_families

    method, url, headers, _body, _post = kube.param_serialize(
        "GET", "/metrics", auth_settings=["BearerToken"]
    )
    response = kube.call_api(method, url, headers)
    response.read()
    counts: Counter[str] = Counter()
    for family in text_string_to_metric_families(response.data.decode()):
        if family.name == "apiserver_request":
            for sample in family.samples:
                if sample.name == "apiserver_request_total":
                    counts[sample.labels.get("verb", "?")] += int(sample.value)
    return counts


def catalogue_figures(serial: bool, names: list[str]) -> None:
    from kubernetes import config

    from podchaos.cluster.local.layout import Layout

    kube = config.new_client_from_config(str(Layout.default().kubeconfig))
    with tempfile.TemporaryDirectory() as parallel_dir:
        wall, runs = catalogue(4, Path(parallel_dir), names)
    spent = overheads(runs)
    busy = statistics.median(sum(run["phases"][p] for p in BUSY_PHASES) for run in runs)
    show(
        f"catalogue -n 4 wall time, {len(runs)} scenarios (target <= 70 s)",
        f"{wall:8.1f} s   ({wall / 70:.2f}x target)",
    )
    show("  per-scenario Kubernetes work, median (baseline)", f"{busy:8.2f} s")
    show(
        "  per-scenario overhead, median (target <= 1.0 s)",
        f"{statistics.median(spent):8.2f} s   ({statistics.median(spent) / 1.0:.2f}x target)"
        f"   max {max(spent):.2f} s over {len(runs)} scenarios",
    )
    if not serial:
        return
    idle_s = 20.0
    before = api_requests(kube)
    time.sleep(idle_s)
    idle = api_requests(kube) - before
    before = api_requests(kube)
    with tempfile.TemporaryDirectory() as serial_dir:
        wall, runs = catalogue(0, Path(serial_dir), names)
    used = api_requests(kube) - before
    show(
        f"catalogue -n 0 wall time, {len(runs)} scenarios (target <= 300 s)",
        f"{wall:8.1f} s   ({wall / 300:.2f}x target)",
    )
    spent = overheads(runs)
    show("  per-scenario overhead, median (target <= 1.0 s)", f"{statistics.median(spent):8.2f} s")
    scale = wall / idle_s
    per_verb = {verb: (used[verb] - idle[verb] * scale) / len(runs) for verb in sorted(used)}
    show(
        "  API requests per scenario (idle cluster's share removed)",
        f"{sum(per_verb.values()):8.0f}   (idle cluster: {sum(idle.values()) * scale / len(runs):.0f})",
    )
    for verb, count in sorted(per_verb.items(), key=lambda item: -item[1]):
        if count >= 0.5:
            print(f"    {verb:<12} {count:7.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-serial", action="store_true", help="skip the -n 0 catalogue run (minutes)")
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        help="only these scenarios (repeatable, globs; default all)",
    )
    args = parser.parse_args()
    print("== run engine ==")
    startup()
    catalogue_figures(serial=not args.no_serial, names=args.scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
