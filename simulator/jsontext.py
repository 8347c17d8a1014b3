"""``json.dumps(value, ensure_ascii=False, ...)`` without its per-call set-up.

Every answer and every stored message is serialised once on the send path.
``json.dumps`` with any option builds a ``JSONEncoder`` and then a C encoder
object on each call, about as long as encoding a small envelope itself; the
C encoders here are built once. The output is the same as ``json.dumps``'s
(floats, NaN, key order, errors for objects JSON cannot hold); only a circular
structure fails differently (``RecursionError``: nothing qqsim sends has one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring as encode_basestring  # the encoders' own
from typing import Any

#: The C encoder ``JSONEncoder.iterencode`` builds on each call (None without the C module).
c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)


def _unsupported(value: object) -> object:
    # JSONEncoder.default's own error.
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _encoder(item_separator: str, key_separator: str) -> Callable[[Any], str]:
    if c_make_encoder is None:  # pragma: no cover
        def slow(value: Any) -> str:
            return json.dumps(value, ensure_ascii=False,
                              separators=(item_separator, key_separator))
        return slow
    chunks = c_make_encoder(None, _unsupported, encode_basestring, None, key_separator,
                            item_separator, False, False, True)

    def encode(value: Any) -> str:
        if type(value) is str:
            return encode_basestring(value)  # as JSONEncoder.encode: a bare string
        return "".join(chunks(value, 0))

    return encode


#: ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``: what NapCat's
#: ``JSON.stringify`` writes.
compact: Callable[[Any], str] = _encoder(",", ":")
#: ``json.dumps(value, ensure_ascii=False)``: the default separators.
spaced: Callable[[Any], str] = _encoder(", ", ": ")
