"""Action handlers. Importing this package registers every action in ``REGISTRY``.

Every module in this package is imported (in name order), so adding an action
module or an action touches no other file.
"""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
