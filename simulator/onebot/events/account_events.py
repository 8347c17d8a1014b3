"""Notices about accounts: pokes, typing, going offline and online-file answers (NapCat §5.3)."""

from __future__ import annotations

from ...world.events import BotWentOffline, InputStatusChanged, OnlineFileAnswered
from ...world.pokes import Poked
from ..ids import nt_uid
from .render import Event, renders

# The picture QQ shows beside a default poke in its gray tip.
_POKE_IMAGE = {"jp": "https://zb.vip.qq.com/v2/pages/nudgeMall?_wv=2&actionId=0",
               "src": "http://tianquan.gtimg.cn/nudgeaction/item/0/expression.jpg",
               "type": "img"}


def poke_raw_info(event: Poked) -> list[dict[str, str]]:
    """The gray tip's items, which NapCat forwards as ``raw_info``."""
    return [
        {"col": "1", "nm": "", "type": "qq", "uid": nt_uid(event.user_id)},
        dict(_POKE_IMAGE),
        {"txt": event.action, "type": "nor"},
        {"col": "1", "nm": "", "tp": "0", "type": "qq", "uid": nt_uid(event.target_id)},
        {"txt": event.suffix, "type": "nor"},
    ]


@renders(Poked)
def _poke(event: Poked, self_id: int) -> Event:
    body: Event = {"post_type": "notice", "notice_type": "notify", "sub_type": "poke",
                   "target_id": event.target_id}
    if event.group_id:
        body.update(user_id=event.user_id, group_id=event.group_id)
        body["raw_info"] = poke_raw_info(event)
        return body
    # A private poke names the chat's peer in user_id and the poker in sender_id.
    peer = event.peer_id if event.user_id == self_id else event.user_id
    body.update(user_id=peer, raw_info=poke_raw_info(event), sender_id=event.user_id)
    return body


@renders(InputStatusChanged)
def _input_status(event: InputStatusChanged, self_id: int) -> Event:
    return {"post_type": "notice", "notice_type": "notify", "sub_type": "input_status",
            "status_text": event.status_text, "event_type": event.event_type,
            "user_id": event.user_id, "group_id": 0}


@renders(BotWentOffline)
def _bot_offline(event: BotWentOffline, self_id: int) -> Event:
    return {"post_type": "notice", "notice_type": "bot_offline", "user_id": event.user_id,
            "tag": event.tag, "message": event.message}


@renders(OnlineFileAnswered)
def _online_file(event: OnlineFileAnswered, self_id: int) -> Event:
    if event.answer == "cancel":  # told to the receiver: the sender withdrew
        return {"post_type": "notice", "peer_id": event.sender_id,
                "notice_type": "online_file_receive", "sub_type": "cancel"}
    return {"post_type": "notice", "peer_id": event.receiver_id,
            "notice_type": "online_file_send", "sub_type": event.answer}
