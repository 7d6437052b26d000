"""Programs the e2e tests run on this machine (a Pushgateway, headless chromium), shared by the test modules.

They are installed by ``make test-tools`` (a step of ``make test``), never by the tests: a test that
finds one missing fails and says how to install it.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

PUSHGATEWAY = Path("/usr/bin/prometheus-pushgateway")
CHROMIUM = Path("/usr/bin/chromium")
PROMETHEUS = Path("/usr/bin/prometheus")
# Binary -> the Debian package that ships it; the Makefile's test-tools target installs the same.
PACKAGES = {PUSHGATEWAY: "prometheus-pushgateway", CHROMIUM: "chromium", PROMETHEUS: "prometheus"}
PUSHGATEWAY_START_TIMEOUT_S = 30.0
PROMETHEUS_START_TIMEOUT_S = 60.0
# No HTTP proxy for loopback, whatever the environment says.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")

SampleKey = tuple[str, tuple[tuple[str, str], ...]]


def require(binary: Path) -> Path:
    """The binary, or a clear failure naming the package and the setup step that installs it."""
    if not binary.exists():
        package = PACKAGES.get(binary, "?")
        pytest.fail(
            f"{binary} is missing: install the Debian package {package!r} with `make test-tools` "
            "(a step of `make test`)",
            pytrace=False,
        )
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str) -> tuple[int, str]:
    with DIRECT.open(url, timeout=10) as response:
        return response.status, response.read().decode()


@contextmanager
def serving(name: str, argv: list[str], port: int, log_path: Path, timeout: float) -> Iterator[str]:
    """A daemon started on 127.0.0.1:``port`` until its ``/-/ready`` answers 200 (its log in the failure
    when it exits or never does); stopped by its PID afterwards."""
    with log_path.open("w") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{name} exited: {log_path.read_text()}", pytrace=False)
                try:
                    if get(f"{url}/-/ready")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} not ready on {url} after {timeout}s", pytrace=False)
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def running_pushgateway(directory: Path) -> Iterator[str]:
    """A Pushgateway on 127.0.0.1 and a free port with its state in ``directory``; stopped by PID after."""
    port = free_port()
    argv = [
        str(require(PUSHGATEWAY)),
        f"--web.listen-address=127.0.0.1:{port}",
        # Debian's build persists to /var/lib/prometheus by default: keep each test's state its own.
        f"--persistence.file={directory / 'pushgateway.data'}",
        "--log.level=info",
    ]
    with serving(
        "pushgateway", argv, port, directory / "pushgateway.log", PUSHGATEWAY_START_TIMEOUT_S
    ) as url:
        yield url


@contextmanager
def running_prometheus(directory: Path, pushgateway: str) -> Iterator[str]:
    """Debian's Prometheus on 127.0.0.1 and a free port, scraping ``pushgateway`` every second (keeping
    the pushed labels), its data in ``directory``; stopped by PID after."""
    port = free_port()
    config = directory / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: pushgateway\n"
        "    honor_labels: true\n"
        f"    static_configs: [{{targets: ['{pushgateway.removeprefix('http://')}']}}]\n"
    )
    argv = [
        str(require(PROMETHEUS)),
        f"--config.file={config}",
        f"--storage.tsdb.path={directory / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with serving("prometheus", argv, port, directory / "prometheus.log", PROMETHEUS_START_TIMEOUT_S) as url:
        yield url


def samples_of(text: str, prefix: str = "podchaos_") -> dict[SampleKey, float]:
    """Samples of the Prometheus text format by (name, sorted labels); bucket bounds as floats' repr.

    The Pushgateway re-spells bucket bounds ("1" for "1.0"): normalising them lets pushed and
    written samples be compared.
    """
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith(prefix):
                labels = {k: repr(float(v)) if k == "le" else v for k, v in sample.labels.items()}
                samples[sample.name, tuple(sorted(labels.items()))] = sample.value
    return samples


def scrape(url: str) -> dict[SampleKey, float]:
    """The podchaos samples a Pushgateway serves."""
    status, text = get(f"{url}/metrics")
    assert status == 200
    return samples_of(text)


def key(name: str, **labels: str) -> SampleKey:
    return name, tuple(sorted(labels.items()))
