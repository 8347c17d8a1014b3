"""The layering rules of the package hold: lower layers never import upper ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"

# layer -> modules (under simulator.) it must never import
FORBIDDEN = {
    "world": ("onebot", "adapters", "app", "link", "control", "cli", "bus", "trio", "quart",
              "hypercorn", "trio_websocket", "httpx"),
    "onebot": ("adapters", "app", "link", "control", "cli", "bus", "trio", "quart", "hypercorn",
               "trio_websocket", "httpx"),
    "adapters": ("world", "control", "cli"),
}


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, relative imports resolved."""
    module_parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module_parts[: len(module_parts) - node.level]
                if path.name == "__init__.py":
                    base = module_parts[: len(module_parts) - node.level + 1]
                prefix = ".".join(base)
                if node.module:
                    names.add(f"{prefix}.{node.module}")
                else:
                    names.update(f"{prefix}.{alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
    return names


def _violations(layer: str) -> list[str]:
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            parts = name.split(".")
            top = parts[1] if parts[0] == "simulator" and len(parts) > 1 else parts[0]
            if top in FORBIDDEN[layer]:
                found.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    assert _violations(layer) == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    # A rule that cannot fail protects nothing: prove the scan detects an upward import.
    names = _imports(PACKAGE / "onebot" / "dispatch.py")
    assert "simulator.onebot.actions" in names
    assert "simulator.errors" in names


@pytest.mark.parametrize("module", ["simulator.world", "simulator.onebot.events",
                                    "simulator.onebot.actions", "simulator.adapters",
                                    "simulator.scenarios", "simulator.testing"])
def test_each_package_imports_on_its_own(module: str) -> None:
    # A fresh interpreter catches import cycles that the suite's import order hides.
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
