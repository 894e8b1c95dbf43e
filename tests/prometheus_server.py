"""A real Prometheus on 127.0.0.1 with a known history, for the SLO status tests and the benchmark.

`Series` are counters written one sample a minute from per-minute increments; `backfill` writes them as
OpenMetrics and turns them into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`;
`PrometheusServer` starts Debian's `prometheus` on a free port with those blocks and a rule file, and
waits until it is ready and every rule has been evaluated.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import IO, Callable, Iterable

STEP = 60  # seconds between samples


@dataclasses.dataclass
class Series:
    """A counter: `labels` and the increment it gets at each minute after `start` (which holds 0)."""

    name: str
    labels: dict[str, str]
    start: int                  # unix seconds of the first sample (value 0)
    increments: list[float]     # increments[i] is added at start + (i + 1) * STEP

    def samples(self) -> Iterable[tuple[int, float]]:
        value = 0.0
        yield self.start, value
        for index, step in enumerate(self.increments):
            value += step
            yield self.start + (index + 1) * STEP, value

    def increase(self, after: int, until: int) -> float:
        """What the counter gained between its samples at `after` and `until` (both on the grid)."""
        first, last = (after - self.start) // STEP, (until - self.start) // STEP
        return sum(self.increments[first:last])


def counter(name: str, labels: dict[str, str], start: int, minutes: int, per_minute: Callable[[int], float]) -> Series:
    """A counter whose increment at minute i (its sample at start + i * STEP) is `per_minute(i)`."""
    return Series(name, labels, start, [per_minute(i) for i in range(1, minutes + 1)])


def openmetrics(series: list[Series], gauges: Iterable[tuple[str, dict[str, str], list[int]]] = ()) -> str:
    """OpenMetrics text: each family's samples together, each series in time order."""
    lines: list[str] = []
    for s in sorted(series, key=lambda s: s.name):
        labels = ",".join(f'{k}="{v}"' for k, v in s.labels.items())
        lines += [f"{s.name}{{{labels}}} {value:.10g} {at}" for at, value in s.samples()]
    for name, labels, times in gauges:  # a gauge at 1 at each of `times`
        text = ",".join(f'{k}="{v}"' for k, v in labels.items())
        lines += [f"{name}{{{text}}} 1 {at}" for at in times]
    return "\n".join(lines + ["# EOF", ""])


def backfill(text: str, folder: Path) -> Path:
    """TSDB blocks in `folder/data` from the OpenMetrics `text`."""
    source = folder / "history.om"
    source.write_text(text, encoding="utf-8")
    data = folder / "data"
    result = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(source), str(data)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"promtool could not backfill: {result.stdout}{result.stderr}")
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server started as `self.process` answering at `self.url`, logging to `self.log`: wait until it is
    ready, stop it cleanly. `name` is what errors call it."""

    name: str
    url: str
    process: subprocess.Popen
    log: IO[str]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} was not ready within {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class PrometheusServer(ServerProcess):
    """`prometheus` on 127.0.0.1 over `data` with `rules`, until `stop()`."""

    name = "prometheus"

    def __init__(self, folder: Path, data: Path, rules: Path, evaluation_interval: str = "1s"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = folder / "prometheus.yml"
        config.write_text(f"global:\n  evaluation_interval: {evaluation_interval}\nrule_files:\n  - {rules}\n", encoding="utf-8")
        self.log = (folder / "prometheus.log").open("w")
        self.process = subprocess.Popen(
            [shutil.which("prometheus") or "prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=60d"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def rules(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/api/v1/rules", timeout=10) as response:
            groups = json.load(response)["data"]["groups"]
        return [rule for group in groups for rule in group["rules"]]

    def wait_rules_evaluated(self, timeout: float = 120) -> list[dict]:
        """Every rule, once each has been evaluated at least once (health no longer `unknown`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.rules()
            if found and all(rule["health"] != "unknown" for rule in found):
                return found
            time.sleep(0.5)
        raise RuntimeError(f"the rules were not all evaluated within {timeout} s")

