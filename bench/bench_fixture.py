"""Benchmark: what the ``qqsim`` fixture costs a test, set-up plus tear-down.

One pytest run (in this process) over a generated file holding, interleaved,
``--tests`` empty tests and as many tests that only ask for the fixture, in
sync, asyncio (pytest-asyncio) and trio (pytest-trio) form. Each test's time
is its setup + call + teardown as pytest reports them. The baseline is the
empty test of the same run; the ratio fixture/empty is what to watch, the
absolute numbers depend on the machine. The fixture serves the default world
with its two listeners (forward WebSocket and HTTP API on ephemeral ports);
``--transports none`` measures a world with no listener.

    python bench/bench_fixture.py [--tests 40] [--transports ws,http|none]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

KINDS = {
    "empty": "def test_empty_{n}():\n    pass\n",
    "sync": "def test_sync_{n}(qqsim):\n    pass\n",
    "asyncio": "@pytest.mark.asyncio\nasync def test_asyncio_{n}(qqsim):\n    pass\n",
    "trio": "@pytest.mark.trio\nasync def test_trio_{n}(qqsim):\n    pass\n",
}
INI = """[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""


class Timings:
    """Collects each test's setup + call + teardown seconds, by kind."""

    def __init__(self) -> None:
        self.by_test: dict[str, float] = defaultdict(float)
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.by_test[report.nodeid] += report.duration
        if report.failed:
            self.failed.append(report.nodeid)

    def by_kind(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = defaultdict(list)
        for nodeid, seconds in self.by_test.items():
            kind = nodeid.rsplit("::test_", 1)[1].rsplit("_", 1)[0]
            out[kind].append(seconds)
        return out


def write_tests(folder: Path, count: int, transports: str) -> Path:
    marker = "" if transports == "ws,http" else (
        f"pytestmark = pytest.mark.qqsim(transports={_transports(transports)!r})\n")
    body = ["import pytest\n", marker]
    for n in range(count):
        body += [template.format(n=n) for template in KINDS.values()]
    (folder / "pytest.ini").write_text(INI, encoding="utf-8")
    path = folder / "test_bench_fixture.py"
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def _transports(text: str) -> tuple[str, ...]:
    return () if text == "none" else tuple(text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=40, help="tests of each kind")
    parser.add_argument("--transports", default="ws,http",
                        help="listeners of the fixture's bot: ws,http (default) or none")
    args = parser.parse_args()
    timings = Timings()
    with tempfile.TemporaryDirectory(prefix="qqsim-bench-") as folder:
        path = write_tests(Path(folder), args.tests, args.transports)
        code = pytest.main([str(path), "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                            "--rootdir", folder, "-c", str(Path(folder) / "pytest.ini")],
                           plugins=[timings])
    if code != 0 or timings.failed:
        raise SystemExit(f"the benchmark's tests failed: {timings.failed}")
    kinds = timings.by_kind()
    empty = statistics.median(kinds["empty"])
    print(f"\nqqsim fixture, {args.tests} tests of each kind, listeners: {args.transports}")
    print(f"{'test':10} {'median ms':>10} {'fixture ms':>11} {'x empty':>9}")
    print(f"{'empty':10} {empty * 1000:10.2f} {'':>11} {1:9.0f}")
    for kind in ("sync", "asyncio", "trio"):
        median = statistics.median(kinds[kind])
        print(f"{kind:10} {median * 1000:10.2f} {(median - empty) * 1000:11.2f} "
              f"{median / empty:9.0f}")


if __name__ == "__main__":
    main()
