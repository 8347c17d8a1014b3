"""The README's coverage and snapshot examples run as written, and print what it shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```python\n# file: (\S+)\n(.*?)```\n\n```text\n(.*?)```", re.DOTALL)


def examples(heading: str) -> dict[str, tuple[str, str]]:
    """``# file:`` blocks of one section, each with the ``text`` block that follows it."""
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.index("\n## ", start + len(heading))
    return {name: (body, shown) for name, body, shown in BLOCK.findall(text[start:end])}


def test_the_coverage_example_prints_what_the_readme_shows(pytester: pytest.Pytester) -> None:
    (name, (body, shown)), = examples("## Coverage of the OneBot surface").items()
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    (pytester.path / name).write_text(body, encoding="utf-8")
    command, *lines = shown.splitlines()
    assert command == f"$ pytest --qqsim-coverage {name}"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--qqsim-coverage", name)
    result.assert_outcomes(passed=1)
    out = result.stdout.lines
    assert all(line in out for line in lines if line.strip() != "..."), result.stdout.str()


def test_the_fork_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    (name, (body, shown)), = examples("## Snapshots and forks of a world").items()
    (tmp_path / name).write_text(body, encoding="utf-8")
    done = subprocess.run([sys.executable, name], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
    assert (tmp_path / "fork.qqsnap").is_file()
