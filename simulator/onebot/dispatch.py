"""Turn one action request into an outcome: name resolution, validation, handler.

Pure and synchronous; transports wrap the ``Outcome`` into their envelope
(``envelope.py``) and add faults or delays around it.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from ..errors import BadParams, KernelTimeout, UnknownAction, WorldError
from .context import ActionContext
from .params import parse_params
from .profiles import Failure
from .registry import REGISTRY, ActionSpec, Registry
from .results import RESULT_DIALECTS
from .stream import Stream

# The handlers (``actions``) are imported by ``REGISTRY`` on its first read, the first call
# paying it once: an idle server does not hold them (start-up memory, issue 10).

log = logging.getLogger("qqsim.dispatch")


class _Absent:
    """The response has no ``data`` key at all (NapCat's void actions)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class Outcome(NamedTuple):
    """What one call came to. A named tuple: one is built per call, and a frozen
    dataclass's ``__init__`` (an ``object.__setattr__`` per field) cost ~14k instructions."""

    action: str
    data: Any = ABSENT
    failure: Failure | None = None
    message: str = ""
    #: go-cqhttp's short failure code (``msg``), from the profile's error catalogue.
    code: str = ""
    #: A stream action (§3.6): ``packets`` go out before the final envelope.
    stream: bool = False
    packets: tuple[Any, ...] = ()
    #: Seconds of world time before the bot gets this answer (a kernel timeout).
    delay: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None


def resolve(name: str, ctx: ActionContext, registry: Registry = REGISTRY) -> ActionSpec:
    """The spec serving ``name``, after stripping an alias suffix the profile knows."""
    profile = ctx.profile
    spec = registry.get(name)  # the name as given first; most calls end here
    if spec is not None and spec.origin in profile.origins and spec.name not in (
            profile.unrouted):
        return spec
    for suffix in profile.alias_suffixes:
        if name.endswith(suffix):
            spec = registry.get(name.removesuffix(suffix))
            if spec is not None and spec.origin in profile.origins and spec.name not in (
                    profile.unrouted):
                return spec
    raise UnknownAction(name)


#: What a bot reads when an action fails inside qqsim itself (the log has the traceback).
INTERNAL_ERROR = "qqsim 内部错误, 详见 qqsim 日志"


def call(
    ctx: ActionContext, name: object, params: object, registry: Registry = REGISTRY, *,
    known_storable: bool = False,
) -> Outcome:
    """Run one action; never raises for anything the caller sent. ``known_storable``: every
    string in ``params`` is known to be storable (``params.ascii_frame``)."""
    action = name if isinstance(name, str) else str(name)
    routes = registry.routes  # ``resolve``'s answers, remembered per profile
    spec = routes[1].get(action) if routes[0] is ctx.profile else None
    if spec is None:
        try:
            spec = resolve(action, ctx, registry)
        except UnknownAction:
            return Outcome(action, failure=Failure.UNKNOWN_ACTION)
        registry.route(ctx.profile, action, spec)
    try:
        parsed = parse_params(spec.params, params, known_storable)
        result = spec.handler(ctx, parsed)
    except BadParams as exc:
        errors = ctx.profile.errors
        code = "" if errors is None else errors.bad_params.code
        return Outcome(action, failure=Failure.BAD_PARAMS, message=str(exc), code=code,
                       stream=spec.stream)
    except WorldError as exc:
        delay = exc.seconds if isinstance(exc, KernelTimeout) else 0.0
        if ctx.profile.errors is None:
            return Outcome(action, failure=Failure.RUNTIME, message=str(exc), stream=spec.stream,
                           delay=delay)
        code, text = ctx.profile.errors.word(spec.name, exc)
        return Outcome(action, failure=Failure.RUNTIME, message=text, code=code,
                       stream=spec.stream, delay=delay)
    except Exception:  # a bug in qqsim must not take the connection down
        log.exception("action %s crashed", action)
        # The exception's text may hold a path of the machine or internals: the log has it.
        return Outcome(action, failure=Failure.RUNTIME, message=INTERNAL_ERROR,
                       stream=spec.stream)
    if isinstance(result, Stream):
        failure = Failure.RUNTIME if result.error else None
        return Outcome(action, data=result.final, failure=failure, message=result.error,
                       stream=True, packets=result.packets)
    if spec.void and result is None:
        return Outcome(action, stream=spec.stream)
    dialect = ctx.profile.result_dialect
    if dialect is not None:  # never for NapCat: its results are the handlers' own
        hook = RESULT_DIALECTS[dialect].get(spec.name)
        if hook is not None:
            result = hook(ctx, parsed, result)
    # The usual answer, built as ``Outcome(action, data=result, stream=spec.stream)`` would
    # be, without the named tuple's Python ``__new__`` and its keywords (~3k instructions).
    return _new_tuple(Outcome, (action, result, None, "", "", spec.stream, (), 0.0))


_new_tuple = tuple.__new__
