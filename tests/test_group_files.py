"""Group files and folders: upload → group_upload → list → url / move / rename / delete.

NapCat's three id kinds are kept apart: the fileUuid ``upload_group_file``
returns, the MD5 in the ``group_upload`` notice, and the 32-hex tokens the
list actions hand out (the only kind that can delete).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, OWNED_GROUP, Api, EventLog, wired_config
from nonebot.adapters.onebot.v11 import Adapter
from nonebot.adapters.onebot.v11 import event as models
from trio_websocket import open_websocket_url

from simulator import ManualClock, Simulator
from simulator import open_simulator as open_sim

CONTENT = b"minutes of the meeting\n"
MD5 = hashlib.md5(CONTENT).hexdigest()
TOKEN = re.compile(r"[0-9a-f]{32}")
UUID = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def b64(data: bytes) -> str:
    return "base64://" + base64.b64encode(data).decode()


def upload(api: Api, group_id: int = ADMIN_GROUP, data: bytes = CONTENT,
           name: str = "minutes.txt", **extra: Any) -> str:
    file_id = api.ok("upload_group_file",
                     {"group_id": group_id, "file": b64(data), "name": name, **extra})["file_id"]
    assert isinstance(file_id, str)
    return file_id


def root(api: Api, group_id: int = ADMIN_GROUP, **extra: Any) -> dict[str, Any]:
    return dict(api.ok("get_group_root_files", {"group_id": group_id, **extra}))


def token_of(api: Api, name: str, group_id: int = ADMIN_GROUP) -> str:
    return str(next(f["file_id"] for f in root(api, group_id)["files"] if f["file_name"] == name))


# -- upload --------------------------------------------------------------------------


def test_upload_sends_a_file_message_then_a_group_upload_notice(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    file_id = upload(api)
    assert UUID.fullmatch(file_id)
    message = sim.history(group_id=ADMIN_GROUP)[-1]
    assert message.sender_id == BOT
    assert message.segments[0]["type"] == "file"
    data = message.segments[0]["data"]
    assert (data["file"], data["file_id"], data["file_size"]) == ("minutes.txt", file_id, "23")
    assert data["url"].startswith("https://") and data["url"].endswith("/?fname=")
    assert message.raw_message.startswith(f"[CQ:file,file=minutes.txt,file_id={file_id},")
    notice = events.one("notice", "group_upload")
    assert notice == {
        "time": sim.world.now(), "self_id": BOT, "post_type": "notice", "group_id": ADMIN_GROUP,
        "user_id": BOT, "notice_type": "group_upload",
        "file": {"id": MD5, "name": "minutes.txt", "size": len(CONTENT), "busid": 102},
    }
    other_group = [e for e in events.rendered() if e.get("group_id") == OWNED_GROUP]
    assert other_group == []


def test_a_person_uploading_reaches_the_bot(sim: Simulator, events: EventLog, api: Api) -> None:
    file = sim.person(20003).upload_group_file(ADMIN_GROUP, "photo.bin", b"\x00\x01\x02")
    notice = events.one("notice", "group_upload")
    assert (notice["user_id"], notice["file"]["name"], notice["file"]["size"]) == (
        20003, "photo.bin", 3)
    message = events.one("message")
    assert message["message"][0]["data"]["file_id"] == file.file_uuid
    listed = root(api)["files"]
    assert [(f["file_name"], f["uploader"], f["uploader_name"]) for f in listed] == [
        ("photo.bin", 20003, "李娜")]


def test_upload_from_qqsims_storage_and_into_a_folder(api: Api, sim: Simulator) -> None:
    path = Path(sim.storage.root) / "report.pdf"
    path.write_bytes(b"%PDF-1.7 report")
    folder = api.ok("create_group_file_folder", {"group_id": ADMIN_GROUP, "folder_name": "reports"})
    folder_id = folder["groupItem"]["folderInfo"]["folderId"]
    api.ok("upload_group_file", {"group_id": ADMIN_GROUP, "file": f"file://{path}",
                                 "name": "q3.pdf", "folder": folder_id})
    api.ok("upload_group_file", {"group_id": ADMIN_GROUP, "file": str(path), "name": "root.pdf"})
    inside = api.ok("get_group_files_by_folder", {"group_id": ADMIN_GROUP, "folder_id": folder_id})
    assert [f["file_name"] for f in inside["files"]] == ["q3.pdf"]
    assert inside["folders"] == []
    assert [f["file_name"] for f in root(api)["files"]] == ["root.pdf"]


def test_upload_refusals(api: Api, sim: Simulator) -> None:
    api.fail("upload_group_file", {"group_id": ADMIN_GROUP, "file": "/etc/passwd", "name": "x"},
             "文件处理失败: 本地文件不在 qqsim 的存储目录 (--storage) 内, uri= /etc/passwd")
    api.fail("upload_group_file", {"group_id": ADMIN_GROUP, "file": "base64://", "name": "x"},
             "文件异常，大小为0")
    body = api.call("upload_group_file", {"group_id": ADMIN_GROUP, "name": "x",
                                          "file": "https://example.com/x.zip"})
    assert body["status"] == "failed" and "qqsim 不下载远程文件" in body["message"]
    api.fail("upload_group_file",
             {"group_id": ADMIN_GROUP, "file": b64(b"x"), "name": "x", "folder_id": "/nope"},
             "文件夹/nope不存在")
    api.fail("upload_group_file", {"group_id": ADMIN_GROUP, "name": "x"},
             "Schema compilation error: Expected required property (/file)", retcode=1400)
    sim.person(20001).mute(ADMIN_GROUP, BOT, 600)
    body = api.call("upload_group_file", {"group_id": ADMIN_GROUP, "file": b64(b"x"),
                                          "name": "x"})
    assert body["status"] == "failed" and "禁言" in body["message"]
    assert root(api)["files"] == []  # nothing half-uploaded


# -- listing and ids ---------------------------------------------------------------------


def test_root_listing_shape_and_fresh_tokens_per_listing(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    upload(api)
    clock.advance(5)
    upload(api, data=b"second", name="b.txt")
    api.ok("create_group_file_folder", {"group_id": ADMIN_GROUP, "name": "archive"})
    first, second = root(api), root(api)
    assert [f["file_name"] for f in first["files"]] == ["b.txt", "minutes.txt"]  # newest first
    entry = first["files"][1]
    assert TOKEN.fullmatch(entry["file_id"])
    assert entry == {
        "group_id": ADMIN_GROUP, "file_id": entry["file_id"], "file_name": "minutes.txt",
        "busid": 102, "size": len(CONTENT), "file_size": len(CONTENT),
        "upload_time": sim.world.now() - 5, "dead_time": 0, "modify_time": sim.world.now() - 5,
        "download_times": 0, "uploader": BOT, "uploader_name": "小Q",
    }
    assert second["files"][1]["file_id"] != entry["file_id"]  # NapCat mints new tokens each time
    folder = first["folders"][0]
    assert folder == {
        "group_id": ADMIN_GROUP, "folder_id": folder["folder_id"], "folder": folder["folder_id"],
        "folder_name": "archive", "create_time": sim.world.now(), "creator": BOT,
        "creator_name": "小Q", "total_file_count": 0,
    }
    capped = root(api, file_count=2)  # folders and files count together
    assert (len(capped["folders"]), len(capped["files"])) == (1, 1)
    assert len(root(api, file_count="abc")["files"]) == 2


def test_every_id_kind_gets_a_url_but_only_list_tokens_delete(api: Api, events: EventLog) -> None:
    file_uuid = upload(api)
    md5 = events.one("notice", "group_upload")["file"]["id"]
    token = token_of(api, "minutes.txt")
    urls = {api.ok("get_group_file_url", {"group_id": ADMIN_GROUP, "file_id": ident})["url"]
            for ident in (file_uuid, md5, token)}
    assert len(urls) == 1
    for ident in (file_uuid, md5, "0" * 32):
        api.fail("delete_group_file", {"group_id": ADMIN_GROUP, "file_id": ident},
                 "Invalid file_id")
    api.fail("get_group_file_url", {"group_id": ADMIN_GROUP, "file_id": "nope"},
             "real fileUUID not found!")
    result = api.ok("delete_group_file", {"group_id": ADMIN_GROUP, "file_id": token})
    assert result == {"result": 0, "errMsg": "", "transGroupFileResult": {
        "result": {"retCode": 0, "retMsg": "ok", "clientWording": ""},
        "successFileIdList": [file_uuid], "failFileIdList": []}}
    assert root(api)["files"] == []
    again = api.ok("delete_group_file", {"group_id": ADMIN_GROUP, "file_id": token})
    assert again["transGroupFileResult"]["failFileIdList"] == [file_uuid]
    assert again["transGroupFileResult"]["result"]["retCode"] != 0
    api.fail("get_group_file_url", {"group_id": ADMIN_GROUP, "file_id": token},
             "获取群文件链接失败: 文件不存在或已删除")


def test_list_tokens_expire_a_day_after_their_last_use(api: Api, clock: ManualClock) -> None:
    upload(api)
    token = token_of(api, "minutes.txt")
    clock.advance(86400 - 1)
    api.ok("get_group_file_url", {"group_id": ADMIN_GROUP, "file_id": token})  # refreshes it
    clock.advance(86400 - 1)
    api.ok("get_group_file_url", {"group_id": ADMIN_GROUP, "file_id": token})
    clock.advance(86400)
    api.fail("get_group_file_url", {"group_id": ADMIN_GROUP, "file_id": token},
             "real fileUUID not found!")
    api.fail("delete_group_file", {"group_id": ADMIN_GROUP, "file_id": token}, "Invalid file_id")


def test_deleting_needs_the_uploader_or_an_admin(api: Api, sim: Simulator) -> None:
    sim.person(20001).upload_group_file(MEMBER_GROUP, "owner.txt", b"from 20001")
    token = token_of(api, "owner.txt", MEMBER_GROUP)
    refused = api.ok("delete_group_file", {"group_id": MEMBER_GROUP, "file_id": token})
    assert refused["transGroupFileResult"]["failFileIdList"] != []
    assert [f["file_name"] for f in root(api, MEMBER_GROUP)["files"]] == ["owner.txt"]
    upload(api, MEMBER_GROUP, name="mine.txt")  # but a member may delete their own
    mine = token_of(api, "mine.txt", MEMBER_GROUP)
    api.ok("delete_group_file", {"group_id": MEMBER_GROUP, "file_id": mine})
    assert [f["file_name"] for f in root(api, MEMBER_GROUP)["files"]] == ["owner.txt"]


def test_file_system_info_counts_every_folder(api: Api) -> None:
    upload(api)
    folder = api.ok("create_group_file_folder", {"group_id": ADMIN_GROUP, "name": "f"})
    upload(api, data=b"12345", name="in.txt",
           folder_id=folder["groupItem"]["folderInfo"]["folderId"])
    assert api.ok("get_group_file_system_info", {"group_id": ADMIN_GROUP}) == {
        "file_count": 2, "limit_count": 10000, "used_space": len(CONTENT) + 5,
        "total_space": 10 * 1024 ** 3}
    api.fail("get_group_file_system_info", {"group_id": 999}, "Group not found")


# -- folders -------------------------------------------------------------------------


def test_folders_are_created_and_deleted_by_admins(api: Api, sim: Simulator) -> None:
    made = api.ok("create_group_file_folder", {"group_id": ADMIN_GROUP, "name": "docs"})
    assert made["result"] == {"retCode": 0, "retMsg": "ok", "clientWording": ""}
    info = made["groupItem"]["folderInfo"]
    assert (made["groupItem"]["peerId"], made["groupItem"]["type"]) == (str(ADMIN_GROUP), 2)
    assert UUID.fullmatch(info["folderId"]) and info["folderName"] == "docs"
    twice = api.ok("create_group_file_folder", {"group_id": ADMIN_GROUP, "folder_name": "docs"})
    assert twice["result"]["retCode"] != 0 and twice["groupItem"] is None
    as_member = api.ok("create_group_file_folder", {"group_id": MEMBER_GROUP, "name": "mine"})
    assert as_member["result"]["retCode"] != 0
    assert root(api, MEMBER_GROUP)["folders"] == []
    upload(api, folder=info["folderId"])
    assert api.ok("delete_group_folder", {"group_id": ADMIN_GROUP, "folder_id": info["folderId"]}
                  ) == {"retCode": 0, "retMsg": "ok", "clientWording": ""}
    assert root(api) == {"files": [], "folders": []}
    assert api.ok("get_group_file_system_info", {"group_id": ADMIN_GROUP})["file_count"] == 0
    gone = api.ok("delete_group_folder", {"group_id": ADMIN_GROUP, "folder": info["folderId"]})
    assert gone["retCode"] != 0


def test_members_cannot_delete_folders(api: Api, sim: Simulator) -> None:
    folder = sim.person(20007).create_group_folder(MEMBER_GROUP, "rules")
    refused = api.ok("delete_group_folder",
                     {"group_id": MEMBER_GROUP, "folder_id": folder.folder_id})
    assert refused["retCode"] != 0
    assert [f["folder_name"] for f in root(api, MEMBER_GROUP)["folders"]] == ["rules"]


# -- move, rename, trans ------------------------------------------------------------------


def test_move_and_rename_change_the_listing(api: Api, sim: Simulator) -> None:
    file_uuid = upload(api)
    folder_id = api.ok("create_group_file_folder", {"group_id": ADMIN_GROUP, "name": "old"}
                       )["groupItem"]["folderInfo"]["folderId"]
    assert api.ok("move_group_file", {
        "group_id": ADMIN_GROUP, "file_id": file_uuid, "current_parent_directory": "/",
        "target_parent_directory": folder_id}) == {"ok": True}
    assert root(api)["files"] == []
    assert root(api)["folders"][0]["total_file_count"] == 1
    token = api.ok("get_group_files_by_folder", {"group_id": ADMIN_GROUP, "folder": folder_id}
                   )["files"][0]["file_id"]
    assert api.ok("rename_group_file", {
        "group_id": ADMIN_GROUP, "file_id": token, "current_parent_directory": folder_id,
        "new_name": "notes.txt"}) == {"ok": True}
    listed = api.ok("get_group_files_by_folder", {"group_id": ADMIN_GROUP, "folder_id": folder_id})
    assert [f["file_name"] for f in listed["files"]] == ["notes.txt"]
    # QQ refuses a wrong current directory; NapCat still answers ok and nothing changes
    assert api.ok("rename_group_file", {
        "group_id": ADMIN_GROUP, "file_id": token, "current_parent_directory": "/",
        "new_name": "other.txt"}) == {"ok": True}
    assert api.ok("move_group_file", {
        "group_id": ADMIN_GROUP, "file_id": token, "current_parent_directory": folder_id,
        "target_parent_directory": "/missing"}) == {"ok": True}
    listed = api.ok("get_group_files_by_folder", {"group_id": ADMIN_GROUP, "folder_id": folder_id})
    assert [f["file_name"] for f in listed["files"]] == ["notes.txt"]
    api.fail("move_group_file", {"group_id": ADMIN_GROUP, "file_id": "bogus",
                                 "current_parent_directory": "/", "target_parent_directory": "/"},
             "real fileUUID not found!")


def test_members_cannot_move_or_rename_others_files(api: Api, sim: Simulator) -> None:
    file = sim.person(20001).upload_group_file(MEMBER_GROUP, "keep.txt", b"keep")
    assert api.ok("rename_group_file", {
        "group_id": MEMBER_GROUP, "file_id": file.file_uuid, "current_parent_directory": "/",
        "new_name": "stolen.txt"}) == {"ok": True}
    assert [f["file_name"] for f in root(api, MEMBER_GROUP)["files"]] == ["keep.txt"]


def test_temporary_files_expire_unless_made_permanent(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    person = sim.person(20003)
    kept = person.upload_group_file(ADMIN_GROUP, "kept.txt", b"kept", temporary=True)
    person.upload_group_file(ADMIN_GROUP, "lost.txt", b"lost", temporary=True)
    listed = {f["file_name"]: f for f in root(api)["files"]}
    assert listed["kept.txt"]["dead_time"] == sim.world.now() + 7 * 86400
    assert api.ok("trans_group_file", {"group_id": ADMIN_GROUP, "file_id": kept.file_uuid}
                  ) == {"ok": True}
    clock.advance(7 * 86400)
    assert [(f["file_name"], f["dead_time"]) for f in root(api)["files"]] == [("kept.txt", 0)]
    api.fail("trans_group_file", {"group_id": ADMIN_GROUP, "file_id": "nope"},
             "real fileUUID not found!")


def test_file_actions_need_the_bot_in_the_group(api: Api, sim: Simulator) -> None:
    sim.world.groups.create(100400, "外面", 20004)
    for name in ("get_group_root_files", "get_group_file_system_info"):
        api.fail(name, {"group_id": 100400}, "机器人不在群100400中")
    api.fail("upload_group_file", {"group_id": 100400, "file": b64(b"x"), "name": "x"},
             "机器人不在群100400中")


# -- what a client library sees ----------------------------------------------------------


def test_group_upload_parses_as_nonebots_group_upload_notice(
    api: Api, events: EventLog
) -> None:
    upload(api)
    parsed = Adapter.json_to_event(events.one("notice", "group_upload"))
    assert type(parsed) is models.GroupUploadNoticeEvent
    assert (parsed.file.id, parsed.file.busid) == (MD5, 102)


# -- over the wire ---------------------------------------------------------------------


@pytest.mark.trio
async def test_upload_and_list_over_http() -> None:
    with trio.fail_after(10):
        async with open_sim(wired_config()) as sim:
            url = sim.url("http")
            async with httpx.AsyncClient(base_url=url) as client:
                up = (await client.post("/upload_group_file", json={
                    "group_id": str(ADMIN_GROUP), "file": b64(CONTENT), "name": "a.txt"})).json()
                listed = (await client.post("/get_group_root_files",
                                            json={"group_id": ADMIN_GROUP})).json()
                bad = (await client.post("/delete_group_file", json={
                    "group_id": ADMIN_GROUP, "file_id": up["data"]["file_id"]})).json()
    assert up["status"] == "ok" and UUID.fullmatch(up["data"]["file_id"])
    assert [f["file_name"] for f in listed["data"]["files"]] == ["a.txt"]
    assert (bad["retcode"], bad["message"]) == (200, "Invalid file_id")


@pytest.mark.trio
async def test_group_upload_notice_over_forward_websocket() -> None:
    with trio.fail_after(10):
        async with open_sim(wired_config()) as sim:
            url = sim.url("ws")
            async with open_websocket_url(url + "/") as ws:
                json.loads(await ws.get_message())  # lifecycle
                sim.person(20003).upload_group_file(ADMIN_GROUP, "w.txt", CONTENT)
                frames = [json.loads(await ws.get_message()) for _ in range(2)]
                await ws.send_message(json.dumps({
                    "action": "get_group_file_url", "echo": 7,
                    "params": {"group_id": ADMIN_GROUP, "file_id": MD5}}))
                answer = json.loads(await ws.get_message())
    assert [f["post_type"] for f in frames] == ["message", "notice"]
    assert frames[1]["notice_type"] == "group_upload" and frames[1]["file"]["id"] == MD5
    assert answer["echo"] == 7 and answer["data"]["url"].startswith("https://")


def test_find_group_file_resolves_every_id_kind_for_get_file(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    from simulator.onebot.actions.group_files import find_group_file

    file_uuid = upload(api)
    md5 = events.one("notice", "group_upload")["file"]["id"]
    ctx = api.link.context
    for ident in (file_uuid, md5, token_of(api, "minutes.txt")):
        found = find_group_file(ctx, ident)
        assert found is not None and found.file_uuid == file_uuid
        assert sim.world.media.get(found.media_name).data == CONTENT
    assert find_group_file(ctx, "f" * 32) is None
