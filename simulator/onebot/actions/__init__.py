"""Action handlers. Importing this package registers every action in ``REGISTRY``.

Every module in this package is imported (in name order), so adding an action
module or an action touches no other file. Code outside the package uses only
what is exported here, never an action module or a helper module.
"""

import importlib
import pkgutil

# The webhook adapter applies a POST response's quick operation as the action does.
from ._quick import apply_quick_operation as apply_quick_operation

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
