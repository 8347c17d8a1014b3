"""The keys of NapCat's ``onebot11.json``: a misspelt one is an error, with a "did you mean".

NapCat drops keys it does not know without a word, so a config with
``websocketServer`` (no ``s``) starts with no bot listener and nobody knows
why. qqsim refuses a key that NapCat 4.18 has nowhere in the file instead. A
key that belongs to another kind of adapter (``reportSelfMessage`` on an
``httpServers`` entry) is still dropped quietly, as NapCat does: configs
written for older NapCat versions carry such keys.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .yaml_places import did_you_mean

#: Top-level keys NapCat reads that qqsim has no use for (it never downloads or times out).
UNUSED_TOP_KEYS = frozenset({"imageDownloadProxy", "timeout"})
TIMEOUT_KEYS = frozenset({"baseTimeout", "uploadSpeedKBps", "downloadSpeedKBps", "maxTimeout"})
PLUGIN_KEYS = frozenset({"name", "enable", "messagePostFormat", "reportSelfMessage", "debug"})


def unknown_keys(data: Any, top: type[BaseModel], network: type[BaseModel],
                 adapters: dict[str, type[BaseModel]]) -> list[str]:
    """One line per key NapCat would not know anywhere in ``data`` (a parsed file):
    ``where: unknown key 'x' (did you mean 'y'?)``. ``adapters`` maps each
    ``network`` list to the model of its entries."""
    problems = _check(data, set(top.model_fields) | UNUSED_TOP_KEYS, "")
    if isinstance(data, dict) and isinstance(data.get("timeout"), dict):
        problems += _check(data["timeout"], TIMEOUT_KEYS, "timeout.")
    section = data.get("network") if isinstance(data, dict) else None
    problems += _check(section, set(network.model_fields), "network.")
    every_adapter = set(PLUGIN_KEYS).union(*(set(m.model_fields) for m in adapters.values()))
    for kind, entries in (section.items() if isinstance(section, dict) else ()):
        if kind in network.model_fields and isinstance(entries, list):
            for index, entry in enumerate(entries):
                problems += _check(entry, every_adapter, f"network.{kind}[{index}].")
    return problems


def _check(value: Any, known: set[str] | frozenset[str], where: str) -> list[str]:
    if not isinstance(value, dict):
        return []  # the wrong type is the models' to report
    return [f"{where}{key}: unknown key{did_you_mean(str(key), known)}"
            for key in value if key not in known]
