"""Helpers for actions that pass QQNT kernel answers through (NapCat's "raw NT" results)."""

from __future__ import annotations

import math
import re
from typing import Any, TypedDict

from ...errors import BadParams, Why


class NtResult(TypedDict):
    """The kernel's usual answer to a setter: ``result`` 0 and an empty ``errMsg``."""

    result: int
    errMsg: str


def nt_ok() -> NtResult:
    return {"result": 0, "errMsg": ""}


def js_number(value: object) -> float:
    """``+value`` in JavaScript, for NapCat handlers that coerce that way (NaN on junk)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(int(text, 0)) if text.lower().startswith(("0x", "0o", "0b")) else (
                float(text))
        except ValueError:
            return math.nan
    return math.nan


def js_int(value: object) -> int | None:
    """``+value`` when it is a whole number, else None (NaN, fractions, junk)."""
    number = js_number(value)
    return int(number) if math.isfinite(number) and number.is_integer() else None


def js_parse_int(text: str) -> int | None:
    """``parseInt(text)``: the leading decimal integer, None where JavaScript gives NaN."""
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else None


def number_or_string(value: Any) -> Any:
    """TypeBox's ``Union([Number, String])`` check: anything else is a bad parameter."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float | str)):
        raise BadParams(Why.EXPECTED_UNION)
    return value


def gender_code(sex: str) -> int:
    """The kernel's gender number for qqsim's sex names."""
    return {"male": 1, "female": 2}.get(sex, 0)
