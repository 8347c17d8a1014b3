"""Message codecs for the OneBot 11 surface (pure, I/O-free)."""

from .cqcode import (
    MessageFormatError,
    Segment,
    escape_text,
    escape_value,
    parse_cq,
    render_cq,
    render_segment,
    segments_to_text,
    to_segments,
    unescape_text,
    unescape_value,
)

__all__ = [
    "MessageFormatError",
    "Segment",
    "escape_text",
    "escape_value",
    "parse_cq",
    "render_cq",
    "render_segment",
    "segments_to_text",
    "to_segments",
    "unescape_text",
    "unescape_value",
]
