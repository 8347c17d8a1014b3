"""Notices of group life: essence messages and group file uploads, as NapCat reports them."""

from __future__ import annotations

from ...world.events import EssenceAdded, GroupFileUploaded
from .render import Event, renders


@renders(EssenceAdded)
def _essence(event: EssenceAdded, self_id: int) -> Event:
    # NapCat only ever reports ``add``; removing an essence message shows nothing.
    return {
        "post_type": "notice",
        "group_id": event.group_id,
        "user_id": event.sender_id,
        "notice_type": "essence",
        "message_id": event.message_id,
        "sender_id": event.sender_id,
        "operator_id": event.operator_id,
        "sub_type": "add",
    }


@renders(GroupFileUploaded)
def _group_upload(event: GroupFileUploaded, self_id: int) -> Event:
    return {
        "post_type": "notice",
        "group_id": event.group_id,
        "user_id": event.user_id,
        "notice_type": "group_upload",
        "file": {"id": event.file_id, "name": event.name, "size": event.size,
                 "busid": event.busid},
    }
