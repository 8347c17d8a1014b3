"""The card a forward (merged message) shows in the chat: title, preview lines, footer.

QQ renders a forward as a card: ``prompt`` (the chat-list text, "[聊天记录]"),
``source`` (the title), ``news`` (up to four preview lines) and ``summary``
(the footer, "查看N条转发消息"). The sender may choose each text; the card is
kept beside the forward's nodes, under the same res_id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Field, SQLModel

from .core import WorldCore


class ForwardCardRow(SQLModel, table=True):
    __tablename__ = "forward_card"
    forward_id: str = Field(primary_key=True)
    source: str
    news_json: str
    summary: str
    prompt: str


@dataclass(frozen=True)
class ForwardCard:
    source: str
    news: tuple[str, ...]
    summary: str
    prompt: str


class ForwardCards:
    def __init__(self, core: WorldCore) -> None:
        self._core = core
        self._db = core.session

    def put(self, forward_id: str, card: ForwardCard) -> None:
        row = self._db.get(ForwardCardRow, forward_id) or ForwardCardRow(
            forward_id=forward_id, source="", news_json="[]", summary="", prompt="")
        row.source, row.summary, row.prompt = card.source, card.summary, card.prompt
        row.news_json = json.dumps(list(card.news), ensure_ascii=False)
        self._db.add(row)
        self._core.commit()

    def find(self, forward_id: str) -> ForwardCard | None:
        row = self._db.get(ForwardCardRow, forward_id)
        if row is None:
            return None
        return ForwardCard(row.source, tuple(json.loads(row.news_json)), row.summary, row.prompt)
