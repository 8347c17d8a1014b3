"""Parameter models with NapCat's coercion rules, and its validation messages.

NapCat validates with TypeBox ``Value.Parse``: numbers become strings where a
string is wanted, numeric strings become numbers, ``"true"``/``"false"``/1/0
become booleans, and unknown keys are kept. Only the first error is reported,
as ``Schema compilation error: <typebox message>``. qqsim appends the
parameter's path, which NapCat omits, so a bot author sees what was wrong.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from ..errors import BadParams, Why
from ..storable import find_unstorable, pointer, storable


def _bool(value: Any) -> Any:
    # TypeBox converts only true/false/1/0 (and their strings) to booleans.
    if isinstance(value, str) and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


def _int(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _str(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


Bool = Annotated[bool, BeforeValidator(_bool)]
Int = Annotated[int, BeforeValidator(_int)]
Str = Annotated[str, BeforeValidator(_str)]
#: A QQ number, group number or message id given as a number or a numeric string.
Id = Int


class Params(BaseModel):
    """Base of every action's parameter model."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)


class NoParams(Params):
    """For actions that take no parameters (extra keys are ignored, as in NapCat)."""


class GroupIdParams(Params):
    """For the many actions that take only a group."""

    group_id: Id


class UserParams(Params):
    """For actions that take only a person, as NapCat's string schema reads them."""

    user_id: Str


class NoCacheParams(Params):
    """For list actions whose ``no_cache`` qqsim reads and ignores (the world is the cache)."""

    no_cache: Bool = False


_TYPEBOX_MESSAGES = {
    "missing": "Expected required property",
    "string_type": "Expected string",
    "int_type": "Expected number",
    "int_parsing": "Expected number",
    "int_from_float": "Expected number",
    "float_type": "Expected number",
    "bool_type": "Expected boolean",
    "bool_parsing": "Expected boolean",
    "literal_error": "Expected union value",
    "enum": "Expected union value",
    "dict_type": "Expected object",
    "model_type": "Expected object",
    "list_type": "Expected array",
}


def describe_error(error: ErrorDetails) -> str:
    text = _TYPEBOX_MESSAGES.get(error["type"], error["msg"])
    path = "/".join(str(part) for part in error["loc"])
    return f"Schema compilation error: {text} (/{path})" if path else (
        f"Schema compilation error: {text}"
    )


P = TypeVar("P", bound=Params)


def parse_params(model: type[P], raw: object, known_storable: bool = False) -> P:
    """Validate ``raw`` into ``model`` or raise ``BadParams`` with NapCat's text.

    ``known_storable``: the caller knows every string in ``raw`` is (``ascii_frame``).
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise BadParams(Why.EXPECTED_OBJECT)
    # ``refuse_unstorable``'s own test first: the usual answer.
    if not known_storable and not storable(raw):
        refuse_unstorable(raw)
    try:
        # What ``model_validate`` calls, without its Python layer and keyword defaults.
        parsed: P = model.__pydantic_validator__.validate_python(raw)
        return parsed
    except ValidationError as exc:
        raise BadParams(describe_error(exc.errors()[0])) from None


#: Frames longer than this are not searched for ``\\u`` (``ascii_frame``): ``storable``
#: walks their values, fewer than their characters (a big inline image is one string).
ASCII_FRAME_MAX = 4096


def ascii_frame(text: str) -> bool:
    """Whether everything parsed from the JSON (or JSON5) ``text`` is storable, known from
    the text alone: in an ASCII text with no ``\\u`` escape, every string is made of ASCII
    characters and of escapes that give ASCII (JSON5's ``\\x``: at most U+00FF), never a
    lone surrogate (only ``\\u`` writes one). False for a long text: not searched."""
    return len(text) <= ASCII_FRAME_MAX and text.isascii() and "\\u" not in text


def refuse_unstorable(raw: object) -> None:
    """Raise ``BadParams`` when any string in ``raw`` (keys too) cannot be stored.

    NapCat passes lone surrogates on (JavaScript strings may hold them); SQLite
    cannot store them, so qqsim refuses them here, before any handler runs,
    instead of failing at flush time. Checked before the schema: pydantic cannot
    read such a string either, and its error would name no parameter. The raw
    params are walked, extra keys included.
    """
    if storable(raw):  # the walk ``find_unstorable`` starts with; the usual answer
        return
    found = find_unstorable(raw)
    if found is None:
        return
    why = Why.LONE_SURROGATE_IN_KEY if found.key else Why.LONE_SURROGATE_IN_STRING
    raise BadParams(why, code_point=found.code_point, place=pointer(found.place))
