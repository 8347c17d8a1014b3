"""Stream actions' answers (NapCat §3.6): several envelopes for one request.

A stream action's handler returns a ``Stream``: the packets NapCat sends while
it works (``type: "stream"``), then the final packet (``type: "response"``).
When the work fails after some packets went out, ``error`` holds the failure
text and the last envelope is a failure. Dispatch and the envelope turn this
into frames, each with ``stream: "stream-action"`` and the request's echo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Packet = dict[str, Any]

#: ``data`` of a failed stream-action envelope.
ERROR_PACKET: Packet = {"type": "error", "data_type": "error"}


@dataclass(frozen=True)
class Stream:
    packets: tuple[Packet, ...] = field(default=())
    final: Packet | None = None
    error: str = ""
