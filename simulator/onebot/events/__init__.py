"""Rendering world facts as OneBot 11 events, per bot connection."""

from . import account_events as _account_events  # noqa: F401  registers its renderers
from . import group_life as _group_life  # noqa: F401  registers its renderers
from . import reactions as _reactions  # noqa: F401  registers its renderers
from .render import message_object, render_event

__all__ = ["message_object", "render_event"]
