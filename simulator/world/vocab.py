"""Faker's word lists, drawn with a seeded ``random.Random``.

Calling ``fake.name()`` costs ~42 µs (Faker parses the format and walks its
provider lookup every time): 4 s for 100k people. A ``Vocabulary`` reads the
same lists once - the locale's name formats, name parts with their weights,
user-name formats and lorem words - and renders from them with ``rng.choices``,
so a 100k-people world gets its names in ~0.2 s and the same seed gives the
same names.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

_TOKEN = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# A token that names no list (a locale-specific method) is sampled this many times once.
_FALLBACK_POOL = 256


class Pool:
    """Values to draw from, uniformly or by weight (a Faker ``OrderedDict``)."""

    def __init__(self, values: Sequence[str] | Mapping[str, float]) -> None:
        if isinstance(values, Mapping):
            self.values = [str(v) for v in values]
            total, cumulative = 0.0, []
            for weight in values.values():
                total += float(weight)
                cumulative.append(total)
            self.cum_weights: list[float] | None = cumulative
        else:
            self.values, self.cum_weights = [str(v) for v in values], None
        if not self.values:
            raise ValueError("an empty word list")

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.values, cum_weights=self.cum_weights, k=k)


class Vocabulary:
    """One locale's names, user names and words."""

    def __init__(self, locale: str) -> None:
        # Imported here: Faker costs ~5 MB of start-up memory a seeded world never needs.
        from faker import Faker

        self._fake = Faker(locale)
        self._fake.seed_instance(0)  # only fallback pools use Faker's own randomness
        person = self._provider("person")
        self._person = person
        self._internet = self._provider("internet")
        self._tokens: dict[str, Pool] = {}
        self.name_formats = {sex: self._name_formats(sex) for sex in ("male", "female")}
        self.user_name_formats = Pool(self._internet.user_name_formats)
        lorem = self._provider("lorem")
        self.words = Pool(lorem.word_list)
        self.word_connector: str = lorem.word_connector
        self.endings = ("", "", "", str(lorem.sentence_punctuation), "!", "?", "~")

    def _provider(self, kind: str) -> Any:
        found = [p for p in self._fake.providers if f".{kind}" in type(p).__module__]
        if not found:
            raise ValueError(f"Faker has no {kind} provider for this locale")
        return found[0]

    def _name_formats(self, sex: str) -> Pool:
        formats = getattr(self._person, f"formats_{sex}", None)
        if formats:
            return Pool(formats)
        # zh_CN has one format for both sexes, "{{last_name}}{{first_name}}", but
        # separate lists of first names: use the one that matches the person.
        if getattr(self._person, f"first_names_{sex}", None):
            token = f"{{{{first_name_{sex}}}}}"
            return Pool([f.replace("{{first_name}}", token) for f in self._person.formats])
        return Pool(self._person.formats)

    def token(self, name: str) -> Pool:
        """The list behind ``{{name}}``: ``last_name`` -> ``last_names``, and so on."""
        pool = self._tokens.get(name)
        if pool is None:
            pool = self._tokens[name] = self._find_token(name)
        return pool

    def _find_token(self, name: str) -> Pool:
        for owner in (self._person, self._internet):
            for plural in (name.replace("name", "names", 1),
                           name.replace("prefix", "prefixes", 1),
                           name.replace("suffix", "suffixes", 1)):
                values = getattr(owner, plural, None)
                if (plural != name and isinstance(values, Sequence | Mapping)
                        and not isinstance(values, str) and values):
                    return Pool(values)
        method = getattr(self._fake, name)
        return Pool([str(method()) for _ in range(_FALLBACK_POOL)])

    def render(self, rng: random.Random, formats: Pool, k: int) -> list[str]:
        """``k`` strings from ``formats``, each ``{{token}}`` drawn from its list."""
        chosen = formats.draw(rng, k)
        by_format: dict[str, list[int]] = {}
        for index, text in enumerate(chosen):
            by_format.setdefault(text, []).append(index)
        out = [""] * k
        for text, indexes in by_format.items():  # draw each token for all users of a format
            parts = _TOKEN.split(text)  # literal, token, literal, token, ...
            columns = [[parts[i]] * len(indexes) if i % 2 == 0
                       else self.token(parts[i]).draw(rng, len(indexes))
                       for i in range(len(parts))]
            for row, index in enumerate(indexes):
                out[index] = "".join(column[row] for column in columns)
        return out

    def names(self, rng: random.Random, sexes: Sequence[str]) -> list[str]:
        """A name per person, in the locale's format for their sex."""
        out = [""] * len(sexes)
        for sex, formats in self.name_formats.items():
            indexes = [i for i, s in enumerate(sexes) if s == sex]
            for index, name in zip(indexes, self.render(rng, formats, len(indexes)),
                                   strict=True):
                out[index] = name
        return out

    def user_names(self, rng: random.Random, k: int) -> list[str]:
        """Like ``fake.user_name()``: romanised names, ``#`` digits, ``?`` letters, lower case."""
        return [_bothify(rng, text).lower()
                for text in self.render(rng, self.user_name_formats, k)]

    def group_names(self, rng: random.Random, k: int) -> list[str]:
        """Two lorem words and 群, as ``fake.word() + fake.word() + "群"``."""
        first, second = self.words.draw(rng, k), self.words.draw(rng, k)
        return [f"{a}{b}群" for a, b in zip(first, second, strict=True)]


def _bothify(rng: random.Random, text: str) -> str:
    if "#" not in text and "?" not in text:
        return text
    return "".join(rng.choice(string.digits) if c == "#"
                   else rng.choice(string.ascii_letters) if c == "?" else c for c in text)
