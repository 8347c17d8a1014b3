"""Where qqsim serves: each listener (or outgoing connection), as the CLI prints it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    """A listener (or outgoing connection) qqsim runs, as the CLI prints it."""

    bot_id: int | None
    kind: str
    name: str
    url: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/", 1)[0])
