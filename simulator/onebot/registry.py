"""The action registry: every action is declared once, with ``@action``.

A declaration names the action, its parameter model (taken from the handler's
annotation), its result (the handler's return annotation), where it comes
from (OneBot 11 spec, go-cqhttp or NapCat) and how it is backed. Dispatch,
``qqsim actions`` and the documentation tables are all derived from it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, get_type_hints

from .origin import Backing as Backing
from .origin import Origin as Origin
from .params import Params

if TYPE_CHECKING:
    from .context import ActionContext


Handler = Callable[["ActionContext", Any], Any]
H = TypeVar("H", bound=Handler)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    handler: Handler
    params: type[Params]
    result: object
    origin: Origin
    backing: Backing
    #: NapCat omits ``data`` from the response when the handler returns nothing.
    void: bool
    summary: str
    #: NapCat answers with several envelopes (``stream: "stream-action"``, §3.6).
    stream: bool = False


class Registry:
    def __init__(self) -> None:
        self._specs: dict[str, ActionSpec] = {}

    def action(
        self,
        name: str,
        *,
        origin: Origin,
        backing: Backing = Backing.WORLD,
        void: bool = False,
        aliases: tuple[str, ...] = (),
        stream: bool = False,
    ) -> Callable[[H], H]:
        """Register the decorated function as the handler of ``name`` (and ``aliases``)."""

        def register(handler: H) -> H:
            hints = get_type_hints(handler)
            params_name = list(inspect.signature(handler).parameters)[1]
            summary = (inspect.getdoc(handler) or "").split("\n", 1)[0]
            for each in (name, *aliases):
                if each in self._specs:
                    raise ValueError(f"action {each!r} is declared twice")
                self._specs[each] = ActionSpec(
                    name=each,
                    handler=handler,
                    params=hints[params_name],
                    result=hints.get("return"),
                    origin=origin,
                    backing=backing,
                    void=void,
                    summary=summary,
                    stream=stream,
                )
            return handler

        return register

    def get(self, name: str) -> ActionSpec | None:
        return self._specs.get(name)

    def __iter__(self) -> Iterator[ActionSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs


REGISTRY = Registry()
action = REGISTRY.action
