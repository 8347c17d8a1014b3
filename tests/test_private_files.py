"""Private files, files sent to groups as segments, and get_file."""

from __future__ import annotations

import base64
from pathlib import Path

from conftest import BOT

from simulator.app import Simulator
from simulator.link import BotLink

DATA = b"quarterly report"
URI = "base64://" + base64.b64encode(DATA).decode()


def _ok(response: dict[str, object]) -> dict[str, object]:
    assert response["status"] == "ok", response
    data = response["data"]
    assert isinstance(data, dict)
    return data


def test_upload_private_file_sends_a_file_message(sim: Simulator, bot: BotLink) -> None:
    data = _ok(bot.call("upload_private_file",
                        {"user_id": 20001, "file": URI, "name": "report.txt"}))
    last = sim.history(user_id=BOT, peer_id=20001)[-1]
    assert last.sender_id == BOT
    assert last.segments == [{"type": "file", "data": {
        "file": "report.txt", "file_id": data["file_id"], "file_size": str(len(DATA))}}]


def test_private_file_url_and_get_file_resolve_the_sent_file(bot: BotLink) -> None:
    file_id = _ok(bot.call("upload_private_file",
                           {"user_id": 20001, "file": URI, "name": "r.txt"}))["file_id"]
    url = _ok(bot.call("get_private_file_url", {"file_id": file_id}))["url"]
    assert str(file_id).upper() in str(url)
    local = _ok(bot.call("get_file", {"file_id": file_id}))
    assert Path(str(local["file"])).read_bytes() == DATA
    assert local["file_size"] == str(len(DATA))


def test_get_file_finds_group_files_by_their_ids(bot: BotLink) -> None:
    uploaded = _ok(bot.call("upload_group_file",
                            {"group_id": 100100, "file": URI, "name": "notes.txt"}))
    local = _ok(bot.call("get_file", {"file_id": uploaded["file_id"]}))
    assert local["file_name"] == "notes.txt"
    assert Path(str(local["file"])).read_bytes() == DATA


def test_unknown_files_are_not_found(bot: BotLink) -> None:
    for action, params in [("get_file", {"file": "missing.txt"}),
                           ("get_private_file_url", {"file_id": "0" * 32})]:
        response = bot.call(action, params)
        assert (response["status"], response["retcode"], response["message"]) == (
            "failed", 1200, "file not found")


def test_a_file_segment_sent_to_a_group_becomes_a_group_file(sim: Simulator,
                                                               bot: BotLink) -> None:
    segment = {"type": "file", "data": {"file": URI, "name": "plan.txt"}}
    _ok(bot.call("send_group_msg", {"group_id": 100100, "message": [segment]}))
    names = [f["file_name"] for f in
             _ok(bot.call("get_group_root_files", {"group_id": 100100}))["files"]]
    assert names == ["plan.txt"]
    assert sim.history(group_id=100100)[-1].segments[0]["type"] == "file"


def test_upload_private_file_refuses_paths_outside_storage(bot: BotLink) -> None:
    response = bot.call("upload_private_file",
                        {"user_id": 20001, "file": "file:///etc/passwd", "name": "p"})
    assert response["status"] == "failed"
    assert "存储目录" in response["message"]
