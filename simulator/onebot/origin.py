"""Where an action comes from and how it is backed: the labels of its declaration
(``registry.py``), also read by the profiles, which route actions by origin."""

from __future__ import annotations

from enum import StrEnum


class Origin(StrEnum):
    SPEC = "onebot11"
    GOCQ = "go-cqhttp"
    NAPCAT = "napcat"


class Backing(StrEnum):
    WORLD = "world"  # reads or changes world state
    SYNTHESIZED = "synthesized"  # QQ keeps no state for it here; answer is derived
