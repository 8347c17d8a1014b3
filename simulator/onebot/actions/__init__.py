"""Action handlers. Importing this package registers every action in ``REGISTRY``.

The list below names modules, not actions: adding an action to a module
touches no other file.
"""

from . import forward, friends, group_admin, groups, messages, quick, system

__all__ = ["forward", "friends", "group_admin", "groups", "messages", "quick", "system"]
