"""NapCat's tools and file extras: downloads, OCR, translation, custom faces, mini-program
cards, collections, group albums, Qzone, online files and flash transfer."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, OWNED_GROUP, Api, EventLog
from nonebot.adapters.onebot.v11 import Adapter
from nonebot.adapters.onebot.v11 import event as models

from simulator import ManualClock, Simulator
from simulator.link import BotLink

BOT2 = 10002


def png(width: int = 4, height: int = 2, text: str = "") -> bytes:
    """A tiny PNG; ``text`` goes into a tEXt chunk (what qqsim's OCR reads)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    extra = chunk(b"tEXt", b"Comment\x00" + text.encode("latin-1")) if text else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def b64(data: bytes) -> str:
    return "base64://" + base64.b64encode(data).decode()


def parsed(event: dict[str, Any]) -> models.Event:
    result = Adapter.json_to_event(event)
    assert result is not None, event
    return result


@pytest.fixture
def storage(sim: Simulator) -> Path:
    return Path(sim.storage.root)


@pytest.fixture
def bot2(sim: Simulator, events: EventLog) -> int:
    sim.world.accounts.add(BOT2, "小R", is_bot=True)
    sim.world.accounts.befriend(BOT, BOT2)
    events.clear()
    return BOT2


# -- download_file ----------------------------------------------------------------------------


def test_download_file_from_base64_is_named_by_md5(api: Api, storage: Path) -> None:
    data = b"hello qqsim"
    path = Path(api.ok("download_file", {"base64": base64.b64encode(data).decode()})["file"])
    assert path.read_bytes() == data and path.is_relative_to(storage)
    assert path.name == hashlib.md5(data).hexdigest()
    named = Path(api.ok("download_file", {"base64": base64.b64encode(data).decode(),
                                          "name": "../../escape.txt"})["file"])
    assert named.name == "escape.txt" and named.is_relative_to(storage)


def test_download_file_from_storage_and_data_urls(api: Api, storage: Path) -> None:
    (storage / "in.bin").write_bytes(b"\x01\x02")
    copied = api.ok("download_file", {"url": f"file://{storage}/in.bin", "name": "out.bin",
                                      "headers": ["User-Agent=qqsim"]})
    assert Path(copied["file"]).read_bytes() == b"\x01\x02"
    inline = api.ok("download_file", {"url": "data:text/plain;base64,aGk=", "name": "hi.txt"})
    assert Path(inline["file"]).read_bytes() == b"hi"


def test_download_file_refuses_outside_storage_and_the_network(api: Api, sim: Simulator,
                                                               bot: BotLink) -> None:
    api.fail("download_file", {"url": "file:///etc/passwd"},
             "文件处理失败: 本地文件不在 qqsim 的存储目录 (--storage) 内, uri= /etc/passwd")
    api.fail("download_file", {"url": "https://example.com/a.png"},
             "下载失败: qqsim 不从网络下载文件; 请改用 "
             "base64 或存储目录内的 file:// 路径, url= https://example.com/a.png")
    api.fail("download_file", {}, "不存在任何文件, 无法下载")


# -- OCR, translation, URL safety -------------------------------------------------------------


def test_ocr_reads_the_text_an_image_carries(api: Api, sim: Simulator) -> None:
    boxes = api.ok("ocr_image", {"image": b64(png(40, 20, "Hello\nqqsim"))})
    assert [box["text"] for box in boxes] == ["Hello", "qqsim"]
    first = boxes[0]
    assert (first["pt1"], first["pt3"]) == ({"x": "0", "y": "0"}, {"x": "40", "y": "10"})
    assert [c["charText"] for c in first["charBox"]] == list("Hello")
    assert first["score"] == ""
    sent = sim.person(20001).send_private_msg(BOT, [
        {"type": "image", "data": {"file": b64(png(8, 8, "from a message"))}}])
    name = sent.segments[0]["data"]["file"]
    assert [b["text"] for b in api.ok(".ocr_image", {"image": name})] == ["from a message"]
    assert api.ok("ocr_image", {"image": b64(png())}) == []  # no text in the picture
    api.fail("ocr_image", {"image": "nonsense"}, "OCR nonsense失败, image字段可能格式不正确")
    api.fail("ocr_image", {"image": "https://x/y.png"}, "OCR https://x/y.png失败, 文件可能不存在")


def test_translate_en2zh(api: Api) -> None:
    assert api.ok("translate_en2zh", {"words": ["Hello", "world", "qqsim"]}) == {
        "words": ["你好", "世界", "qqsim"]}
    assert api.ok("translate_en2zh", {"words": "apple"}) == {"words": ["苹果"]}
    api.fail("translate_en2zh", {}, "Schema compilation error: Expected required property "
             "(/words)", 1400)


def test_check_url_safely(api: Api) -> None:
    assert api.ok("check_url_safely", {"url": "http://malware.example"}) == {"level": 1}


# -- custom faces -----------------------------------------------------------------------------


def test_custom_faces_lifecycle(api: Api, sim: Simulator, storage: Path) -> None:
    image = png(3, 3)
    (storage / "face.png").write_bytes(image)
    added = api.ok("add_custom_face", {"file": str(storage / "face.png"), "is_origin": True})
    info = added["emojiInfo"]
    md5 = hashlib.md5(image).hexdigest()
    assert (added["result"], added["errMsg"]) == (0, "")
    assert info["resId"] == f"{BOT}_0_0_0_{md5.upper()}_0_0" and info["md5"] == md5
    assert Path(info["emoPath"]).read_bytes() == image
    (storage / "face2.png").write_bytes(png(5, 5))
    api.ok("add_custom_face", {"file": str(storage / "face2.png"), "package_id": "7"})
    urls = api.ok("fetch_custom_face", {"count": "10"})
    assert len(urls) == 2 and urls[1] == info["url"]  # newest first
    detail = api.ok("fetch_custom_face_detail", {"count": 1})
    assert [d["epId"] for d in detail] == ["7"]
    assert api.ok("set_custom_face_desc", {"emoji_id": 1, "res_id": info["resId"], "md5": md5,
                                           "desc": "好耶"}) == {"result": 0, "errMsg": ""}
    described = api.ok("fetch_custom_face_detail")[1]
    assert described["desc"] == "好耶"
    assert api.ok("set_custom_face_desc", {"emoji_id": 1, "res_id": "nope", "md5": md5,
                                           "desc": "x"})["result"] == -1
    api.ok("delete_custom_face", {"res_id": info["resId"]})
    assert api.ok("fetch_custom_face") == urls[:1]
    api.ok("delete_custom_face", {"ids": [detail[0]["resId"]]})
    assert api.ok("fetch_custom_face") == []


def test_custom_face_errors(api: Api, sim: Simulator) -> None:
    api.fail("delete_custom_face", {}, "res_id or ids is required")
    api.fail("delete_custom_face", {"ids": [], "res_id": "x"}, "res_id or ids is required")
    api.ok("delete_custom_face", {"id": ["a", "b"]})  # unknown ids: nothing to delete
    api.fail("add_custom_face", {"file": "/etc/hosts"},
             "文件处理失败: 本地文件不在 qqsim 的存储目录 (--storage) 内, uri= /etc/hosts")


# -- mini-program cards -----------------------------------------------------------------------


def test_get_mini_app_ark_from_a_template(api: Api) -> None:
    card = api.ok("get_mini_app_ark", {"type": "bili", "title": "视频", "desc": "简介",
                                       "picUrl": "https://p/x.jpg", "jumpUrl": "https://b/x"})
    ark = card["data"]
    assert (ark["app"], ark["prompt"], ark["miniappShareOrigin"]) == (
        "com.tencent.miniapp_01", "[QQ小程序]视频", 3)
    detail = ark["meta"]["detail_1"]
    assert (detail["appid"], detail["title"], detail["desc"], detail["url"]) == (
        "1109937557", "视频", "简介", "https://b/x")
    assert detail["host"] == {"uin": BOT, "nick": "小Q"}
    raw = api.ok("get_mini_app_ark", {"type": "weibo", "title": "t", "desc": "d",
                                      "picUrl": "p", "jumpUrl": "j", "rawArkData": "true"})
    assert raw["data"]["appName"] == "com.tencent.miniapp_01"
    assert raw["data"]["metaData"]["detail_1"]["appid"] == "1109224783"


def test_get_mini_app_ark_full_form_and_errors(api: Api) -> None:
    full = {"title": "t", "desc": "d", "picUrl": "p", "jumpUrl": "j", "iconUrl": "i",
            "appId": "123", "scene": "1036", "templateType": "1", "businessType": "0",
            "verType": "3", "shareType": "0", "versionId": "v", "sdkId": "s",
            "withShareTicket": "0"}
    detail = api.ok("get_mini_app_ark", full)["data"]["meta"]["detail_1"]
    assert (detail["appid"], detail["scene"], detail["icon"]) == ("123", 1036, "i")
    for bad in ({**full, "appId": 5}, {"type": "douyin", "title": "t", "desc": "d",
                                       "picUrl": "p", "jumpUrl": "j"}, {"title": "t"}):
        api.fail("get_mini_app_ark", bad, "Schema compilation error: Expected union value",
                 1400)


# -- collections ------------------------------------------------------------------------------


def test_collections(api: Api, clock: ManualClock) -> None:
    assert api.ok("create_collection", {"rawData": "第一条", "brief": "一"}) == {
        "result": 0, "errMsg": ""}
    clock.advance(5)
    api.ok("create_collection", {"rawData": "第二条", "brief": "二"})
    listing = api.ok("get_collection_list", {"category": "0", "count": "1"})
    assert listing["errCode"] == 0
    page = listing["collectionSearchList"]
    assert page["hasMore"] is True
    [item] = page["collectionItemList"]
    assert item["summary"]["richMediaSummary"]["brief"] == "二"
    assert item["author"]["numId"] == str(BOT) and page["bottomTimeStamp"] == item["collectTime"]
    everything = api.ok("get_collection_list", {"category": 2})["collectionSearchList"]
    assert [i["summary"]["richMediaSummary"]["brief"] for i in
            everything["collectionItemList"]] == ["二", "一"]
    assert api.ok("get_collection_list", {"category": "8"})["collectionSearchList"][
        "collectionItemList"] == []


# -- group albums -----------------------------------------------------------------------------


def test_group_album_upload_comment_like_and_delete(api: Api, sim: Simulator) -> None:
    album = sim.person(20003).create_album(ADMIN_GROUP, "团建")
    [listed] = api.ok("get_qun_album_list", {"group_id": ADMIN_GROUP})["album_list"]
    assert (listed["album_id"], listed["name"], listed["upload_number"]) == (
        album.album_id, "团建", 0)
    api.void("upload_image_to_qun_album", {"group_id": str(ADMIN_GROUP),
                                           "album_id": album.album_id, "album_name": "团建",
                                           "file": b64(png(6, 4))})
    answer = api.ok("get_group_album_media_list", {"group_id": ADMIN_GROUP,
                                                   "album_id": album.album_id})
    assert (answer["result"], answer["errMs"]) == (0, "")
    [photo] = answer["media_list"]
    assert (photo["image"]["width"], photo["image"]["height"]) == (6, 4)
    assert photo["uploader"] == {"uin": str(BOT), "nick": "小Q"}
    comment = api.ok("do_group_album_comment", {"group_id": ADMIN_GROUP,
                                                "album_id": album.album_id,
                                                "lloc": photo["lloc"], "content": "好看"})
    assert comment["result"] == 0 and comment["comment"]["content"] == "好看"
    like = {"group_id": ADMIN_GROUP, "album_id": album.album_id, "batch_id": photo["batch_id"]}
    assert api.ok("set_group_album_media_like", like)["result"] == 0
    [photo] = api.ok("get_group_album_media_list", like)["media_list"]
    assert photo["like"]["num"] == 1 and photo["like"]["liked"] is True
    assert photo["comment"]["comments"][0]["content"] == "好看"
    api.ok("cancel_group_album_media_like", {**like, "lloc": photo["lloc"]})
    api.ok("cancel_group_album_media_like", like)
    [photo] = api.ok("get_group_album_media_list", like)["media_list"]
    assert photo["like"]["num"] == 0
    assert api.ok("del_group_album_media", {"group_id": ADMIN_GROUP, "album_id": album.album_id,
                                            "lloc": photo["lloc"]})["result"] == 0
    assert api.ok("get_group_album_media_list", like)["media_list"] == []


def test_album_refusals_come_back_as_results(api: Api, sim: Simulator) -> None:
    album = sim.person(20001).create_album(MEMBER_GROUP, "读书")
    photo = sim.person(20001).upload_to_album(MEMBER_GROUP, album.album_id, png())
    where = {"group_id": MEMBER_GROUP, "album_id": album.album_id}
    refused = api.ok("del_group_album_media", {**where, "lloc": photo.lloc})  # not admin
    assert (refused["result"], refused["errMs"]) == (10001, "没有权限删除该照片")
    assert api.ok("do_group_album_comment", {**where, "lloc": "nope", "content": "x"})[
        "result"] == 10001
    assert api.ok("set_group_album_media_like", {**where, "batch_id": "0"})["result"] == 10001
    assert api.ok("get_group_album_media_list", {**where, "album_id": "nope"})["result"] == 10001
    outsider = sim.person(20004).create_album(ADMIN_GROUP, "x")
    assert api.ok("get_qun_album_list", {"group_id": 100999})["album_list"] == []
    api.fail("upload_image_to_qun_album", {"group_id": MEMBER_GROUP,
                                           "album_id": outsider.album_id, "album_name": "x",
                                           "file": b64(png())}, "创建群相册会话失败")


def test_album_list_pages_with_attach_info(api: Api, sim: Simulator, clock: ManualClock) -> None:
    for i in range(21):
        sim.person(20007).create_album(OWNED_GROUP, f"album {i}")
        clock.advance(1)
    first = api.ok("get_qun_album_list", {"group_id": OWNED_GROUP})
    assert len(first["album_list"]) == 20 and first["has_more"] is True
    assert first["album_list"][0]["name"] == "album 20"  # newest first
    rest = api.ok("get_qun_album_list", {"group_id": OWNED_GROUP,
                                         "attach_info": first["attach_info"]})
    assert [a["name"] for a in rest["album_list"]] == ["album 0"]
    assert (rest["has_more"], rest["attach_info"]) == (False, "")


# -- Qzone ------------------------------------------------------------------------------------


def test_qzone_post_and_delete(api: Api, sim: Simulator) -> None:
    posted = api.ok("send_qzone_msg", {"content": "今天天气不错", "images": [b64(png())]})
    [post] = sim.world.albums.posts(BOT)
    assert post.tid == posted["tid"] and len(post.tid) == 24 and len(post.images) == 1
    friends_only = api.ok("send_qzone_msg", {"content": "好友可见", "ugc_right": "16",
                                             "target_uins": [20001, "20002"]})
    assert sim.world.albums.posts(BOT)[0].target_uins == [20001, 20002]
    api.void("delete_qzone_msg", {"tid": posted["tid"]})
    assert [p.tid for p in sim.world.albums.posts(BOT)] == [friends_only["tid"]]
    api.fail("delete_qzone_msg", {"tid": posted["tid"]}, "QQ空间删说说失败, subcode=-4005")


def test_qzone_rights_are_checked(api: Api) -> None:
    api.fail("send_qzone_msg", {"content": "x", "ugc_right": 3},
             "ugc_right 参数不合法, 允许的值为: 1, 4, 16, 64, 128")
    api.fail("send_qzone_msg", {"content": "x", "ugc_right": 128},
             "ugc_right 为 16 或 128 时, target_uins 不能为空")
    body = api.call("send_qzone_msg", {"content": "x", "images": ["nonsense"]})
    assert body["message"].startswith("图片nonsense处理失败")


# -- online files -----------------------------------------------------------------------------


def test_bot_offers_an_online_file(api: Api, sim: Simulator, storage: Path,
                                   events: EventLog) -> None:
    (storage / "report.txt").write_bytes(b"quarterly")
    sent = api.ok("send_online_file", {"user_id": 20001, "file_path": str(storage /
                                                                          "report.txt")})
    assert (sent["result"], sent["errMsg"]) == (0, "")
    [message] = sim.history(user_id=BOT, peer_id=20001)
    assert message.segments == [{"type": "onlinefile", "data": {
        "msgId": sent["msgId"], "elementId": sent["elementId"], "fileName": "report.txt",
        "fileSize": "9", "isDir": False}}]
    assert message.raw_message.startswith("[CQ:onlinefile,msgId=")
    [offer] = api.ok("get_online_file_msg", {"user_id": "20001"})["msgList"]
    assert offer["msgId"] == sent["msgId"] and offer["elements"][0]["elementType"] == 23
    events.clear()
    sim.person(20001).answer_online_file(sent["msgId"], accept=True)
    event = events.one("notice", "online_file_send")
    assert event == {"time": sim.world.now(), "self_id": BOT, "post_type": "notice",
                     "peer_id": 20001, "notice_type": "online_file_send",
                     "sub_type": "receive"}
    # NoneBot has no model for NapCat's online-file notices: the generic notice event.
    assert type(parsed(event)) is models.NoticeEvent
    second = api.ok("send_online_file", {"user_id": 20001, "file_name": "again.txt",
                                         "file_path": str(storage / "report.txt")})
    events.clear()
    sim.person(20001).answer_online_file(second["msgId"], accept=False)
    assert events.one("notice", "online_file_send")["sub_type"] == "refuse"
    third = api.ok("send_online_file", {"user_id": 20001,
                                        "file_path": str(storage / "report.txt")})
    api.void("cancel_online_file", {"user_id": 20001, "msg_id": third["msgId"]})
    assert sim.world.transfers.online_file(third["msgId"]).state == "cancelled"


def test_bot_receives_refuses_and_sees_cancels(api: Api, sim: Simulator, events: EventLog,
                                               bot2: int) -> None:
    offer = sim.person(20002).send_online_file(BOT, "song.mp3", b"ID3")
    message = events.one("message")
    assert message["message"][0]["type"] == "onlinefile"
    got = api.ok("receive_online_file", {"user_id": 20002, "msg_id": offer.msg_id,
                                         "element_id": offer.element_id})
    assert got["result"] == 0 and Path(got["filePath"]).read_bytes() == b"ID3"
    again = api.ok("receive_online_file", {"user_id": 20002, "msg_id": offer.msg_id,
                                           "element_id": offer.element_id})
    assert again["result"] == -1
    # another bot offers; refusing tells that bot
    link2 = sim.link(bot2)
    path = sim.storage.export("x.txt", b"x")
    sent = link2.call("send_online_file", {"user_id": BOT, "file_path": path})["data"]
    events.clear()
    api.void("refuse_online_file", {"user_id": bot2, "msg_id": sent["msgId"],
                                    "element_id": sent["elementId"]})
    assert events.one("notice", "online_file_send", self_id=bot2)["peer_id"] == BOT
    # the other bot withdraws a new offer: this bot hears online_file_receive / cancel
    sent = link2.call("send_online_file", {"user_id": BOT, "file_path": path})["data"]
    events.clear()
    link2.call("cancel_online_file", {"user_id": BOT, "msg_id": sent["msgId"]})
    event = events.one("notice", "online_file_receive")
    assert (event["sub_type"], event["peer_id"]) == ("cancel", bot2)
    assert type(parsed(event)) is models.NoticeEvent
    api.void("refuse_online_file", {"user_id": bot2, "msg_id": "1", "element_id": "2"})


def test_online_folders_and_errors(api: Api, sim: Simulator, storage: Path) -> None:
    (storage / "photos" / "2024").mkdir(parents=True)
    (storage / "photos" / "a.jpg").write_bytes(b"a")
    (storage / "photos" / "2024" / "b.jpg").write_bytes(b"bb")
    sent = api.ok("send_online_folder", {"user_id": 20001, "folder_path": str(storage /
                                                                              "photos")})
    offer = sim.world.transfers.online_file(sent["msgId"])
    assert (offer.is_dir, offer.name, offer.size) == (True, "photos", 3)
    assert sorted(f.name for f in offer.files) == ["2024/b.jpg", "a.jpg"]
    assert api.ok("send_online_folder", {"user_id": 20001, "folder_path": str(
        storage / "photos" / "a.jpg")}) == {
        "result": -1, "errMsg": f"Path is not a directory: {storage}/photos/a.jpg"}
    assert api.ok("send_online_folder", {"user_id": 20001, "folder_path": str(
        storage / "nope")})["errMsg"] == f"Folder not found: {storage}/nope"
    api.fail("send_online_file", {"user_id": 20001, "file_path": str(storage / "gone")},
             f"[NapCat] 文件不存在: {storage}/gone")
    api.fail("send_online_file", {"user_id": 99, "file_path": "x"}, "User not found")
    via_group = api.ok("send_online_file", {"user_id": 20010, "file_path": str(
        storage / "photos" / "a.jpg")})  # not a friend, but they share group 100300
    assert via_group["result"] == 0
    sim.world.accounts.add(30001, "陌生人")  # no friend, no common group: QQ cannot deliver
    assert api.ok("send_online_file", {"user_id": 30001, "file_path": str(
        storage / "photos" / "a.jpg")})["errMsg"] == (
        "[NapCat] Send Online File Timeout: Message not found in history.")


# -- flash transfer ---------------------------------------------------------------------------


def test_flash_transfer_set_share_and_send(api: Api, sim: Simulator, storage: Path,
                                           clock: ManualClock) -> None:
    (storage / "a.txt").write_bytes(b"alpha")
    (storage / "b.txt").write_bytes(b"beta!")
    created = api.ok("create_flash_task", {"files": [str(storage / "a.txt"),
                                                     str(storage / "b.txt")], "name": "资料"})
    result = created["createFlashTransferResult"]
    fileset = result["fileSetId"]
    assert result["expireLeftTime"] == str(7 * 86400)
    assert api.ok("get_fileset_id", {"share_code": result["shareLink"]}) == {
        "fileset_id": fileset}
    code = result["shareLink"].split("=", 1)[1]
    assert api.ok("get_fileset_id", {"share_code": code}) == {"fileset_id": fileset}
    assert api.ok("get_fileset_id", {"share_code": "nothing"}) == {}
    link = api.ok("get_share_link", {"fileset_id": fileset})
    assert link["shareLink"] == result["shareLink"]
    info = api.ok("get_fileset_info", {"fileset_id": fileset})["fileSet"]
    assert (info["name"], info["totalFileCount"], info["totalFileSize"]) == ("资料", 2, 10)
    [folder] = api.ok("get_flash_file_list", {"fileset_id": fileset})["fileLists"]
    assert [f["name"] for f in folder["fileList"]] == ["a.txt", "b.txt"]
    by_name = api.ok("get_flash_file_url", {"fileset_id": fileset, "file_name": "b.txt"})
    by_index = api.ok("get_flash_file_url", {"fileset_id": fileset, "file_index": 1})
    assert by_name == by_index and by_name["transferUrl"].startswith("https://")
    assert api.ok("get_flash_file_url", {"fileset_id": fileset, "file_index": 5}) == {
        "result": -1, "errMsg": "未找到对应文件", "transferUrl": ""}
    downloaded = api.ok("download_fileset", {"fileset_id": fileset})
    assert [Path(p).read_bytes() for p in downloaded["extraInfo"]["filePaths"]] == [
        b"alpha", b"beta!"]
    sent = api.ok("send_flash_msg", {"fileset_id": fileset, "group_id": ADMIN_GROUP})
    assert sent["errCode"] == 0
    assert sim.history(group_id=ADMIN_GROUP)[-1].segments == [
        {"type": "flashtransfer", "data": {"fileSetId": fileset}}]
    private = api.ok("send_flash_msg", {"fileset_id": fileset, "user_id": 20001})
    assert private["rsp"]["sendStatus"][0]["target"]["destType"] == 1
    clock.advance(7 * 86400)
    assert api.ok("get_fileset_info", {"fileset_id": fileset})["result"] == -1


def test_flash_transfer_errors(api: Api, sim: Simulator, storage: Path) -> None:
    assert api.ok("create_flash_task", {"files": str(storage / "none.txt")}) == {
        "result": -1, "errMsg": f"文件不存在: {storage}/none.txt"}
    api.fail("send_flash_msg", {"fileset_id": "x"}, "user_id or group_id is required")
    api.fail("send_flash_msg", {"fileset_id": "x", "user_id": 99}, "User not found")
    missing = api.ok("send_flash_msg", {"fileset_id": "x", "group_id": ADMIN_GROUP})
    assert missing["errCode"] == -1 and missing["rsp"]["sendStatus"][0]["result"] == -1
    assert api.ok("get_share_link", {"fileset_id": "x"})["result"] == -1
    assert api.ok("get_flash_file_list", {"fileset_id": "x"})["result"] == -1
    assert api.ok("download_fileset", {"fileset_id": "x"})["result"] == -1
