"""Rendering world facts as OneBot 11 events, per bot connection."""

from .render import message_object, render_event

__all__ = ["message_object", "render_event"]
