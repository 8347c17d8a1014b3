"""The README's "Testing your bot with pytest" examples run as written: every Python block
that starts with ``# file: NAME`` is saved as NAME and the tests among them are run by a
separate pytest (NoneBot2 keeps global state, so not in this process)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Testing your bot with pytest"
BLOCK = re.compile(r"```python\n# file: (\S+)\n(.*?)```", re.DOTALL)


def readme_files() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return {name: body for name, body in BLOCK.findall(text[start:end])}


def test_the_section_has_both_complete_examples() -> None:
    assert set(readme_files()) == {"ping.py", "conftest.py", "test_nonebot_bot.py", "bot.py",
                                   "test_bot_process.py"}


@pytest.mark.slow
def test_the_readme_examples_pass(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    for name, body in readme_files().items():
        (pytester.path / name).write_text(body, encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers",
                                           "-v", timeout=300)
    result.assert_outcomes(passed=4)
