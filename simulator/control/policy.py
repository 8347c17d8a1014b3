"""What the control listener lets through: the console's files and page policy, the
request size, and the ``Host`` names it answers to (``api`` serves, ``console_app`` checks)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).parent / "static"
# Console uploads (images, files) arrive as base64 in JSON.
MAX_BODY_BYTES = 64 * 1024 * 1024
# The page loads only its own files and talks only to this listener.
PAGE_POLICY = ("default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
PUBLIC_PATHS = ("/", "/favicon.ico")
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# A Host value: a name or a bracketed IPv6 address, then an optional numeric port.
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[^:\[\]]+)(?::[0-9]+)?")


def host_names(control_host: str) -> frozenset[str]:
    """The ``Host`` names (port aside) this listener answers to, lower case."""
    name = control_host.lower()
    return LOOPBACK_NAMES | {f"[{name}]" if ":" in name else name}


def host_allowed(header: str | None, names: frozenset[str]) -> bool:
    """Whether ``header`` (a ``Host`` value) is one of ``names``, with or without a port."""
    found = _HOST.fullmatch((header or "").lower())
    return found is not None and found.group(1) in names
