"""The action registry: every action is declared once, with ``@action``.

A declaration names the action, its parameter model (taken from the handler's
annotation), its result (the handler's return annotation), where it comes
from (OneBot 11 spec, go-cqhttp or NapCat) and how it is backed. Dispatch,
``qqsim actions`` and the documentation tables are all derived from it.
"""

from __future__ import annotations

import importlib
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
    def __init__(self, declared_in: str | None = None) -> None:
        """``declared_in``: the package whose import declares the actions. It is imported
        on the first read (``get``, ``in``, ``len``, iteration), not with this module: an
        idle server has not needed its handlers yet (about 3 MB of start-up memory, issue
        10), and every reader still sees every action."""
        self._specs: dict[str, ActionSpec] = {}
        self._declared_in = declared_in
        #: Names as called -> the specs ``dispatch.resolve`` found for them, under one
        #: profile (compared by identity): every call asks. Only names that resolved are
        #: kept (at most each action under each alias suffix); forgotten when one is declared.
        self.routes: tuple[object, dict[str, ActionSpec]] = (None, {})

    def route(self, profile: object, name: str, spec: ActionSpec) -> None:
        """Remember that ``name`` resolved to ``spec`` under ``profile`` (``routes``)."""
        if self.routes[0] is not profile:
            self.routes = (profile, {})
        self.routes[1][name] = spec

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
                self.routes = (None, {})  # a name may now resolve elsewhere
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

    def declare_all(self) -> None:
        """Import every handler now (else the first read does: ~0.1-0.2 s, ``qqsim run``
        spares an idle server that cost)."""
        self._declare_all()

    def _declare_all(self) -> None:
        if self._declared_in is not None:
            importlib.import_module(self._declared_in)
            self._declared_in = None  # after: a failed import is tried again

    def get(self, name: str) -> ActionSpec | None:
        spec = self._specs.get(name)
        if spec is None and self._declared_in is not None:  # once: the first call
            self._declare_all()
            spec = self._specs.get(name)
        return spec

    def __iter__(self) -> Iterator[ActionSpec]:
        self._declare_all()
        return iter(sorted(self._specs.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        self._declare_all()
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        if self._declared_in is not None:  # inline: coverage asks on every call
            self._declare_all()
        return name in self._specs


REGISTRY = Registry(declared_in=f"{__package__}.actions")
action = REGISTRY.action
