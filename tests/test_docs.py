"""The generated documentation matches the registry."""

from __future__ import annotations

from pathlib import Path

from simulator.onebot.docs import action_table, markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_action_table_in_docs_is_fresh() -> None:
    text = (ROOT / "docs" / "actions.md").read_text(encoding="utf-8")
    assert markdown_table(action_table()) in text, (
        "docs/actions.md is stale: regenerate it with `qqsim actions --format md`"
    )


def test_readme_opens_with_the_two_commands() -> None:
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    commands = [line for line in lines[:12] if line.startswith(("python3 ", "pip "))]
    assert len(commands) == 2
    assert "qqsim run" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci, "CI must run the README's test command"
