"""The layering rules of the package, each stated here and each shown to catch a violation.

Floors, lowest first (a module's floor is that of the longest entry of ``FLOORS`` its
dotted name starts with):

1. ``base``: the plain building blocks (errors and codes, clock, JSON text, config,
   storage, recorded traffic, faults, the error catalogue, ``Endpoint``...).
2. ``world``: state and QQ's rules, synchronous, over SQLite.
3. ``onebot``: the I/O-free OneBot surface: actions, codec, envelopes, events.
4. ``link``: what runs on a world for one bot or person: ``BotLink`` (``LinkHost``),
   ``Person`` (``PersonHost``), the event bus, the transcript, the lint, coverage.
5. ``tools``: what serves or scripts a simulator without knowing ``Simulator``: the
   adapters (``TransportHost``), the scenario engine (``ScenarioHost``) and the scenario
   recorder (``RecordingHost``). Each declares the protocol it needs.
6. ``simulation``: ``Simulator``, the world with its traffic, faults and transcript.
7. ``control``: the control API and console, over ``Simulator``'s whole surface.
8. ``top``: what serves a simulator: ``app`` (``serve``, ``open_simulator``), the CLI,
   ``qqsim test``'s runner (``scenarios.runner``) and the pytest plugin (``testing``: the
   fixture opens a whole served simulator), and the package's lazy exports.

The rules, over every import (at the top, under ``if TYPE_CHECKING:`` and inside
functions alike):

* no module imports a module on a higher floor (imports within a floor are allowed);
* no import circle among the package's modules;
* an import of ``simulator.*`` inside a function says why it is late, in a comment on its
  line or just above it (over the other imports of its group), and the reason is start-up
  cost (the comment names start-up) or a generated module that must not be needed to
  generate itself (it names the generated file). Any other reason would be dodging a
  circle;
* every module has a floor (a new top-level module or package must be placed);
* ``world`` and ``onebot`` import no I/O library, and adapters never touch the world
  but through their links.

``test_the_layer_rules_see_built_violations`` writes a small package with one violation of
each rule and checks that each is reported.
"""

from __future__ import annotations

import ast
import graphlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"

FLOORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("errors", "why", "catalogue", "clock", "jsontext", "storable", "config",
              "config_keys", "yaml_places", "lazy", "storage", "traffic", "recording",
              "plaindata", "faults", "endpoint")),
    ("world", ("world",)),
    ("onebot", ("onebot",)),
    ("link", ("bus", "link", "people", "transcript", "facts", "lint", "coverage")),
    ("tools", ("adapters", "scenarios", "recorder")),
    ("simulation", ("simulation",)),
    ("control", ("control",)),
    ("top", ("", "__main__", "app", "cli", "snapshot_cli", "testing", "scenarios.runner")),
)
FLOOR_OF = {name: index for index, (_, names) in enumerate(FLOORS) for name in names}

#: Third-party modules a layer must never import (its own floor rules aside).
FORBIDDEN = {
    "world": ("trio", "quart", "hypercorn", "trio_websocket", "httpx"),
    "onebot": ("trio", "quart", "hypercorn", "trio_websocket", "httpx"),
    "adapters": ("simulator.world",),
}

LAZY_REASON = re.compile(r"start-?up|generated", re.IGNORECASE)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the module of the package it reaches, or a third-party name
    path: str  # the importing file, relative to the package
    line: int
    in_function: bool


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(package: Path) -> dict[str, Path]:
    return {module_name(path, package.parent): path for path in sorted(package.rglob("*.py"))}


def _resolve(names: list[str], known: dict[str, Path]) -> list[str]:
    """The package's modules an import statement reaches: a named submodule, else the
    longest known module the name starts with; a third-party name as it is."""
    found = []
    for name in names:
        probe = name
        while probe and probe not in known:
            probe = probe.rpartition(".")[0]
        found.append(probe or name)
    return found


def module_imports(path: Path, package: Path, known: dict[str, Path]) -> list[Import]:
    """Every import of the file at ``path``, wherever it stands, relative ones resolved."""
    root = package.parent
    parts = path.relative_to(root).with_suffix("").parts
    source = module_name(path, root)
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                # ``pkg/__init__.py`` is module ``pkg.__init__`` here: level 1 is ``pkg``.
                base = ".".join(parts[: len(parts) - child.level]) if child.level else ""
                module = ".".join(p for p in (base, child.module or "") if p)
                names = [f"{module}.{alias.name}" for alias in child.names]
            for target in dict.fromkeys(_resolve(names, known)):
                if target != source:
                    found.append(Import(source, target, str(path.relative_to(package)),
                                        child.lineno, inner))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def all_imports(package: Path) -> list[Import]:
    known = package_modules(package)
    return [found for path in known.values() for found in module_imports(path, package, known)]


def floor(module: str, package: str = "simulator") -> int | None:
    """The floor of a module of ``package``; None for another's, or an unplaced one."""
    if module != package and not module.startswith(package + "."):
        return None
    name = module.removeprefix(package).removeprefix(".")
    while name:
        if name in FLOOR_OF:
            return FLOOR_OF[name]
        name = name.rpartition(".")[0]
    return FLOOR_OF[""] if module == package else None  # ``""``: the package's own module


def unplaced_modules(package: Path) -> list[str]:
    return [name for name in package_modules(package) if floor(name) is None]


def upward_imports(package: Path) -> list[str]:
    found = []
    for imp in all_imports(package):
        source, target = floor(imp.source), floor(imp.target)
        if source is not None and target is not None and target > source:
            found.append(f"{imp.path}:{imp.line} imports {imp.target} (floor "
                         f"{FLOORS[target][0]} above {FLOORS[source][0]})")
    return found


def circles(package: Path) -> list[list[str]]:
    """The import circles among the package's modules: each strongly connected
    component of the import graph with more than one module, sorted."""
    known = package_modules(package)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for imp in all_imports(package):
        if imp.target in known:
            graph[imp.source].add(imp.target)
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
        return []
    except graphlib.CycleError:
        return _components(graph)


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def unexplained_lazy_imports(package: Path) -> list[str]:
    """In-function imports of the package that do not give start-up cost (or a generated
    module) as their reason."""
    found = []
    for imp in all_imports(package):
        if not imp.in_function or not imp.target.startswith(package.name):
            continue
        lines = (package / imp.path).read_text(encoding="utf-8").splitlines()
        if not _says_start_up(lines, imp.line - 1):
            found.append(f"{imp.path}:{imp.line}")
    return sorted(set(found))


def _says_start_up(lines: list[str], at: int) -> bool:
    """Whether the import on line ``at`` or the comments just above it (across the other
    imports of its group) give ``LAZY_REASON``."""
    if "#" in lines[at] and LAZY_REASON.search(lines[at].split("#", 1)[1]):
        return True
    for line in reversed(lines[:at]):
        text = line.strip()
        if text.startswith("#"):
            if LAZY_REASON.search(text):
                return True
        elif not text.startswith(("from ", "import ")):
            return False
        elif "#" in text and LAZY_REASON.search(text.split("#", 1)[1]):
            return True
    return False


def forbidden_imports(package: Path) -> list[str]:
    found = []
    for imp in all_imports(package):
        layer = imp.source.split(".")[1] if "." in imp.source else ""
        for banned in FORBIDDEN.get(layer, ()):
            if imp.target == banned or imp.target.startswith(banned + "."):
                found.append(f"{imp.path}:{imp.line} imports {imp.target}")
    return found


def test_every_module_has_a_floor() -> None:
    assert unplaced_modules(PACKAGE) == []


def test_no_module_imports_a_higher_floor() -> None:
    assert upward_imports(PACKAGE) == []


def test_no_import_circle() -> None:
    assert circles(PACKAGE) == []


def test_imports_inside_functions_say_they_are_late_for_start_up() -> None:
    assert unexplained_lazy_imports(PACKAGE) == []


def test_world_and_onebot_import_no_io_and_adapters_no_world() -> None:
    assert forbidden_imports(PACKAGE) == []


def test_the_layer_rules_see_built_violations(tmp_path: Path) -> None:
    # A rule that cannot fail protects nothing: plant one violation of each rule beside
    # legitimate imports, and see exactly the violations reported.
    package = tmp_path / "simulator"
    files = {
        "__init__.py": "",
        "world/__init__.py": "",
        # up from the world to the console, hidden from the runtime
        "world/rules.py": ("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                           "    from ..control import Console\n"),
        "control.py": "",
        "link.py": "from .people import Person\nfrom .world import rules\n",
        # a circle with link.py, even though the late import claims start-up cost
        "people.py": "def act():\n    # lazy for start-up cost\n    from .link import BotLink\n",
        "simulation.py": ("from .link import BotLink\n\n\ndef rules():\n"
                          "    from .world import rules  # the rules, late\n"),
        "app.py": ("from .simulation import Simulator\n\n\ndef serve():\n"
                   "    # Lazy for start-up cost: the adapters load when serving.\n"
                   "    import trio\n    from .world import rules\n"),
        "onebot/__init__.py": "import trio\n",
        "brand_new.py": "",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    assert upward_imports(package) == [
        "world/rules.py:4 imports simulator.control (floor control above world)"]
    assert circles(package) == [["simulator.link", "simulator.people"]]
    assert unexplained_lazy_imports(package) == ["simulation.py:5"]
    assert unplaced_modules(package) == ["simulator.brand_new"]
    assert forbidden_imports(package) == ["onebot/__init__.py:1 imports trio"]


@pytest.mark.parametrize("module", ["simulator.world", "simulator.onebot.events",
                                    "simulator.onebot.actions", "simulator.link",
                                    "simulator.adapters", "simulator.scenarios.engine",
                                    "simulator.recorder", "simulator.simulation",
                                    "simulator.control.api", "simulator.testing"])
def test_each_package_imports_on_its_own(module: str) -> None:
    # A fresh interpreter catches import cycles that the suite's import order hides.
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr


def _imports(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Absolute names of every module ``path`` (a file under ``root``) imports, relative
    imports resolved (as written: ``from .x import y`` is ``x``)."""
    module_parts = path.relative_to(root).with_suffix("").parts
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module_parts[: len(module_parts) - node.level]
                prefix = ".".join(base)
                if node.module:
                    names.add(f"{prefix}.{node.module}")
                else:
                    names.update(f"{prefix}.{alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
    return names


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


def test_actions_import_at_the_top() -> None:
    # Stricter than the package's rule: no action module imports late, not even for
    # start-up (the registry loads them all at once). ``people.py`` follows the package's
    # rule (``test_imports_inside_functions_say_they_are_late_for_start_up``): it imports
    # some world helpers with their services, on first use.
    paths = sorted((PACKAGE / "onebot" / "actions").glob("*.py"))
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

