"""A rule-based error catalogue: a failure's code and wording by action, class and ``Why``.

go-cqhttp words a failure by where it happened (the action) and what went wrong,
not by NapCat's text: a short code (``msg``) and a wording chosen by the action, the
error's class and its ``Why`` code (``gocq.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import WorldError

#: The entry that matches any action.
ANY = "*"
#: A wording of None: keep the error's own text, NapCat's (go-cqhttp's ``err.Error()``).
KEEP = None


@dataclass(frozen=True)
class Wording:
    code: str
    text: str | None = KEEP


@dataclass(frozen=True)
class ErrorCatalogue:
    """Rules keyed ``(action, error class name, why)``; a ``why`` of "" matches any code.

    Lookup order: this action and code, any action and code, this action, any
    action; else ``fallback``. ``Why`` is a ``StrEnum``, so its members are keys.
    """

    rules: dict[tuple[str, str, str], Wording] = field(default_factory=dict)
    fallback: Wording = Wording("API_ERROR")
    #: The code of a failed parameter check (go-cqhttp has none; see README).
    bad_params: Wording = Wording("PARAM_ERROR")

    def word(self, action: str, error: WorldError) -> tuple[str, str]:
        """``(code, wording)`` for ``error`` raised by ``action``."""
        rules, kind, why = self.rules, _kind(error), error.why or ""
        keys = ((action, kind, why), (ANY, kind, why), (action, kind, ""), (ANY, kind, ""))
        for key in keys if why else keys[2:]:
            found = rules.get(key)
            if found is not None:
                return found.code, str(error) if found.text is None else found.text
        fallback = self.fallback
        return fallback.code, str(error) if fallback.text is None else fallback.text


def _kind(error: WorldError) -> str:
    # The four kinds of errors.py; a subclass of one of them counts as that one.
    for klass in type(error).__mro__:
        if klass.__name__ in ("NotFound", "PermissionDenied", "InvalidState", "StoreFailed"):
            return klass.__name__
    return "WorldError"

