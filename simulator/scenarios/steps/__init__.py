"""The step registry: each kind of scenario step, declared once with ``@step``.

A step is an async function ``run(ctx, args)`` registered under the key a
scenario file uses (``- say: {...}``); ``args`` is validated against the
registered type before the step runs, and the same type feeds the JSON
Schema. Adding a kind touches one module: people.py (what simulated people
do), control.py (time, faults, connections), checks.py (expectations).
"""

from __future__ import annotations

# Importing a module registers its kinds (the registry itself is ``registry.py``), in the
# order the schema and the README list them: what people do, control, checks, snapshots.
from . import people  # isort: split

from . import control  # isort: split

from . import checks  # isort: split

from . import snapshots  # isort: split

from .registry import STEPS, StepKind, StepRunner, step

__all__ = ["STEPS", "StepKind", "StepRunner", "checks", "control", "people", "snapshots", "step"]
