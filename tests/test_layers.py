"""The layering rules of the package hold: lower layers never import upper ones."""

from __future__ import annotations

import ast
import graphlib
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


def _imports(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Absolute names of every module ``path`` (a file under ``root``) imports, relative
    imports resolved."""
    module_parts = path.relative_to(root).with_suffix("").parts
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # ``pkg/__init__.py`` is module ``pkg.__init__`` here: level 1 is ``pkg``
                # for it as for any module of the package.
                base = module_parts[: len(module_parts) - node.level]
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
    # (dispatch.py no longer imports the handlers: the registry does on its first read.)
    names = _imports(PACKAGE / "adapters" / "http_client.py")
    assert "simulator.onebot.actions" in names
    assert "simulator.app" in names


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


# -- action modules: each stands alone, and only the package is public ---------------------

ACTIONS = ("simulator", "onebot", "actions")


def action_import_violations(package: Path) -> list[str]:
    """Imports of an action module by another module of ``onebot/actions`` (helpers, whose
    names start with ``_``, are shared), and of anything inside the package from outside
    it: other code loads the registry through the package and uses only its exports."""
    actions_dir = package.joinpath(*ACTIONS[1:])
    found = []
    for path in sorted(package.rglob("*.py")):
        inside = actions_dir in path.parents
        for name in sorted(_imports(path, package.parent)):
            parts = tuple(name.split("."))
            if parts[:3] != ACTIONS or len(parts) < 4 or (inside and parts[3].startswith("_")):
                continue
            found.append(f"{path.relative_to(package)} imports {name}")
    return found


def nested_imports(path: Path) -> list[str]:
    """Imports made inside a function or class (those under ``if TYPE_CHECKING`` aside):
    an import hidden there may be dodging a circle the module layout should not have."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    top |= {id(inner) for node in tree.body if isinstance(node, ast.If)
            for inner in node.body}
    return [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top]


def test_no_action_module_imports_another_nor_outside_code_its_internals() -> None:
    assert action_import_violations(PACKAGE) == []


def test_the_actions_package_has_no_import_circle() -> None:
    # Helpers may import helpers; a circle among them would be hidden by import order.
    graph = {path.stem: {name.split(".")[3] for name in _imports(path)
                         if name.startswith("simulator.onebot.actions.")}
             for path in (PACKAGE / "onebot" / "actions").glob("*.py")}
    tuple(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a circle


def test_actions_and_people_import_at_the_top() -> None:
    paths = [*sorted((PACKAGE / "onebot" / "actions").glob("*.py")), PACKAGE / "people.py"]
    assert [hit for path in paths for hit in nested_imports(path)] == []


def test_the_action_rules_see_built_violations(tmp_path: Path) -> None:
    # A rule that cannot fail protects nothing: plant each kind of violation and a
    # legitimate import of each kind beside it, and see only the violations flagged.
    package = tmp_path / "simulator"
    actions = package / "onebot" / "actions"
    actions.mkdir(parents=True)
    files = {
        actions / "__init__.py": ("from ._shared import helper as helper\n"
                                  "from . import reading\n"),
        actions / "_shared.py": "from .sending import send\n",
        actions / "sending.py": "from ._shared import helper\n",
        actions / "reading.py": "from .sending import send\nfrom ..params import Params\n",
        package / "onebot" / "dispatch.py": "from . import actions\n",
        package / "people.py": ("from .onebot.actions import helper\n"
                                "def f():\n    from .onebot.actions._shared import helper\n"),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    assert action_import_violations(package) == [
        "onebot/actions/__init__.py imports simulator.onebot.actions.reading",
        "onebot/actions/_shared.py imports simulator.onebot.actions.sending",
        "onebot/actions/reading.py imports simulator.onebot.actions.sending",
        "people.py imports simulator.onebot.actions._shared",
    ]
    assert nested_imports(package / "people.py") == ["people.py:3"]


def twin_models(sources: dict[str, str]) -> list[list[str]]:
    """Classes declared more than once: by name, or with the same bases and fields."""
    by_key: dict[object, list[str]] = {}
    for where, source in sorted(sources.items()):
        for node in ast.parse(source).body:
            if isinstance(node, ast.ClassDef):
                body = tuple(ast.unparse(b) for b in node.body
                             if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)))
                shape = (tuple(ast.unparse(b) for b in node.bases), body)
                for key in (node.name, shape):
                    by_key.setdefault(key, []).append(f"{where}:{node.name}")
    return [found for found in by_key.values() if len(found) > 1]


def test_each_onebot_model_is_declared_once() -> None:
    sources = {str(path.relative_to(PACKAGE)): path.read_text(encoding="utf-8")
               for path in sorted((PACKAGE / "onebot").rglob("*.py"))}
    assert twin_models(sources) == []


def test_twin_models_are_seen() -> None:
    sources = {"a.py": "class GroupIdParams(Params):\n    group_id: Id\n",
               "b.py": "class SignParams(Params):\n    \"\"\"Doc.\"\"\"\n    group_id: Id\n"
                       "class KernelResult(TypedDict):\n    result: int\n",
               "c.py": "class KernelResult(TypedDict):\n    result: str\n"}
    assert twin_models(sources) == [["a.py:GroupIdParams", "b.py:SignParams"],
                                    ["b.py:KernelResult", "c.py:KernelResult"]]

