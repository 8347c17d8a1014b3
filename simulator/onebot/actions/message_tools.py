"""NapCat's message tools that QQ computes server-side: voice-to-text, inline keyboard clicks.

qqsim runs no speech recogniser and hosts no official QQ bots, so both answers
are synthesized: deterministic and in NapCat's exact shape. The transcript is
derived from the voice the world stores; a click is accepted as QQ accepts one
for a bot that answers without a prompt.
"""

from __future__ import annotations

from typing import TypedDict

from ...errors import InvalidState, NotFound, Why
from ...world.media import Media
from ..context import ActionContext
from ..params import Params, Str
from ..registry import Backing, Origin, action
from ._lookup import MessageRefParams, seen_by_ref

# A stored "voice" whose bytes are short readable text is taken as its own transcript,
# so tests and scenarios can decide what a voice message says.
MAX_SPOKEN_TEXT = 1000


class PttText(TypedDict):
    text: str


def transcript(media: Media) -> str:
    """What the voice "says": its bytes when they are plain text, else a description."""
    if media.data is not None:
        try:
            spoken = media.data.decode("utf-8").strip()
        except UnicodeDecodeError:
            spoken = ""
        if spoken and len(spoken) <= MAX_SPOKEN_TEXT and spoken.replace("\n", " ").isprintable():
            return spoken
    return f"（qqsim 模拟转写：语音 {media.name}，{media.size} 字节）"


@action("fetch_ptt_text", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def fetch_ptt_text(ctx: ActionContext, p: MessageRefParams) -> PttText:
    """Voice-to-text of a voice message (derived from the stored voice, not recognised)."""
    if not p.message_id:
        raise InvalidState(Why.MESSAGE_ID_EMPTY)
    message = seen_by_ref(ctx, p.message_id)
    if message is None:
        raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=p.message_id)
    if message.recalled:
        raise NotFound(Why.MESSAGE_GONE, message_id=p.message_id)
    voice = next((s for s in message.segments if s.get("type") == "record"), None)
    if voice is None:
        raise InvalidState(Why.NO_VOICE, message_id=p.message_id)
    media = ctx.world.media.find(str((voice.get("data") or {}).get("file", "")))
    if media is None:
        raise InvalidState(Why.PTT_TEXT_FAILED, message_id=p.message_id)
    return {"text": transcript(media)}


class InlineButtonParams(Params):
    group_id: Str
    bot_appid: Str
    button_id: Str = ""
    callback_data: Str = ""
    msg_seq: Str = "10086"


class InlineButtonResult(TypedDict):
    result: int
    errMsg: str
    status: int
    promptText: str
    promptType: int
    promptIcon: int


@action("click_inline_keyboard_button", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def click_inline_keyboard_button(
    ctx: ActionContext, p: InlineButtonParams
) -> InlineButtonResult:
    """Click an official bot's keyboard button: accepted, and no bot answers with a prompt."""
    return {"result": 0, "errMsg": "", "status": 0, "promptText": "", "promptType": 0,
            "promptIcon": 0}
