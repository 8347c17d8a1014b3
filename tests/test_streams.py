"""Stream actions (NapCat §3.6): several envelopes per request, in-process and on the wire."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from conftest import ADMIN_GROUP, BOT, Api, wired_config
from trio_websocket import open_websocket_url

from simulator import ManualClock, Simulator
from simulator import open_simulator as open_sim
from simulator.link import BotLink
from simulator.onebot.dispatch import Outcome
from simulator.onebot.envelope import frames
from simulator.onebot.profiles import NAPCAT, Failure, Transport

PNG_3X2 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000030000000208020000001216f14d0000001149444154"
    "789c63606060f8cf00044c0c0c00160a02015b7b0b8a0000000049454e44ae426082")
ERROR = {"type": "error", "data_type": "error"}


def received_image(sim: Simulator, data: bytes = PNG_3X2) -> str:
    """The ``file`` name of an image someone sent the bot."""
    image = "base64://" + base64.b64encode(data).decode()
    sent = sim.person(20001).send_private_msg(BOT, [{"type": "image", "data": {"file": image}}])
    return str(sent.segments[0]["data"]["file"])


def data_of(envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["data"] for e in envelopes]


# -- envelopes --------------------------------------------------------------------------------


def test_stream_frames_share_the_echo_and_say_stream_action() -> None:
    outcome = Outcome("x", data={"type": "response"}, stream=True,
                      packets=({"type": "stream", "n": 1}, {"type": "stream", "n": 2}))
    sent = frames(outcome, Transport.WS_SERVER, NAPCAT, echo={"id": 7})
    assert [f["data"] for f in sent] == [{"type": "stream", "n": 1}, {"type": "stream", "n": 2},
                                        {"type": "response"}]
    for frame in sent:
        assert list(frame) == ["status", "retcode", "data", "message", "wording", "echo",
                               "stream"]
        assert (frame["status"], frame["echo"], frame["stream"]) == ("ok", {"id": 7},
                                                                    "stream-action")
    over_http = frames(outcome, Transport.HTTP, NAPCAT)  # no echo: one random one for all
    assert len({f["echo"] for f in over_http}) == 1 and over_http[0]["echo"]


def test_stream_failures_carry_an_error_packet() -> None:
    failed = Outcome("x", failure=Failure.RUNTIME, message="boom", stream=True)
    [frame] = frames(failed, Transport.WS_SERVER, NAPCAT)
    assert (frame["retcode"], frame["data"], frame["echo"], frame["stream"]) == (
        1200, ERROR, "", "stream-action")
    bad = Outcome("x", failure=Failure.BAD_PARAMS, message="bad", stream=True)
    [ws] = frames(bad, Transport.WS_SERVER, NAPCAT, echo="e")
    assert (ws["retcode"], ws["data"], ws["echo"], ws["stream"]) == (1400, ERROR, "e",
                                                                    "stream-action")
    # NapCat's HTTP path validates a stream action like any other action.
    [http] = frames(bad, Transport.HTTP, NAPCAT, echo="e")
    assert (http["retcode"], http["data"], http["echo"], http["stream"]) == (
        400, None, None, "normal-action")


# -- downloads ----------------------------------------------------------------------------------


def test_download_file_stream_sends_the_file_in_chunks(bot: BotLink, sim: Simulator) -> None:
    data = bytes(range(256)) * 3
    media = sim.world.media.put(data, kind="file", ext="bin")
    sent = bot.call_frames("download_file_stream", {"file": media.name, "chunk_size": 300},
                           echo="d1")
    assert all(f["echo"] == "d1" and f["stream"] == "stream-action" for f in sent)
    info, *chunks, final = data_of(sent)
    assert info == {"type": "stream", "data_type": "file_info", "file_name": media.name,
                    "file_size": 768, "chunk_size": 300}
    assert [c["index"] for c in chunks] == [0, 1, 2]
    assert [c["progress"] for c in chunks] == [39, 78, 100]
    assert b"".join(base64.b64decode(c["data"]) for c in chunks) == data
    assert chunks[0]["size"] == 300 and chunks[0]["base64_size"] == len(chunks[0]["data"])
    assert final == {"type": "response", "data_type": "file_complete", "total_chunks": 3,
                     "total_bytes": 768, "message": "Download completed"}


def test_download_stream_defaults_and_errors(bot: BotLink, sim: Simulator) -> None:
    name = received_image(sim)
    info, *_chunks, final = data_of(bot.call_frames("download_file_stream", {"file_id": name}))
    assert info["chunk_size"] == 64 * 1024 and final["total_chunks"] == 1
    [failed] = bot.call_frames("download_file_stream", {"file": "nothing.jpg"})
    assert (failed["status"], failed["message"], failed["data"], failed["stream"]) == (
        "failed", "Download failed: file not found", ERROR, "stream-action")
    [bad] = bot.call_frames("download_file_stream", {"chunk_size": "big"})
    assert (bad["retcode"], bad["data"]) == (1400, ERROR)


def test_download_file_image_stream_reports_the_size(bot: BotLink, sim: Simulator) -> None:
    name = received_image(sim)
    info = bot.call_frames("download_file_image_stream", {"file": name})[0]["data"]
    assert (info["width"], info["height"]) == (3, 2)
    other = sim.world.media.put(b"not an image", kind="image", ext="jpg")
    info = bot.call_frames("download_file_image_stream", {"file": other.name})[0]["data"]
    assert (info["width"], info["height"]) == (1024, 1024)  # NapCat's fallback


def test_download_file_record_stream(bot: BotLink, sim: Simulator) -> None:
    voice = sim.world.media.put(b"#!AMR\n" + b"\x00" * 40, kind="record", ext="amr")
    plain = bot.call_frames("download_file_record_stream", {"file": voice.name})[0]["data"]
    assert "out_format" not in plain
    info = bot.call_frames("download_file_record_stream", {"file": voice.name,
                                                          "out_format": "mp3"})[0]["data"]
    assert info["out_format"] == "mp3"
    [failed] = bot.call_frames("download_file_record_stream", {"file": voice.name,
                                                              "out_format": "aac"})
    assert failed["message"] == "Download failed: 转换失败 out_format 字段可能格式不正确"


def test_test_download_stream(bot: BotLink) -> None:
    sent = bot.call_frames("test_download_stream", {})
    assert len(sent) == 11
    assert sent[0]["data"] == {"type": "stream", "data": "Index-> 1", "data_type": "data_chunk"}
    assert sent[-1]["data"] == {"type": "response", "data_type": "data_complete",
                                "data": "Stream transmission complete"}
    *chunks, failed = bot.call_frames("test_download_stream", {"error": "true"})
    assert len(chunks) == 10 and all(c["status"] == "ok" for c in chunks)
    assert (failed["status"], failed["retcode"], failed["message"], failed["data"]) == (
        "failed", 1200, "This is a test error", ERROR)


# -- uploads ------------------------------------------------------------------------------------


def upload(api: Api, **params: Any) -> dict[str, Any]:
    body = api.call("upload_file_stream", params)
    assert body["stream"] == "stream-action", body
    return body


def chunk(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_upload_file_stream_assembles_chunks(api: Api, sim: Simulator) -> None:
    data = b"hello, stream upload!"
    parts = [data[:8], data[8:16], data[16:]]
    sha = hashlib.sha256(data).hexdigest()
    first = upload(api, stream_id="u1", chunk_data=chunk(parts[2]), chunk_index=2,
                   total_chunks=3, file_size=len(data), expected_sha256=sha,
                   filename="greeting.txt")["data"]
    assert first == {"type": "stream", "stream_id": "u1", "status": "chunk_received",
                     "received_chunks": 1, "total_chunks": 3}
    upload(api, stream_id="u1", chunk_data=chunk(parts[0]), chunk_index=0)
    again = upload(api, stream_id="u1", chunk_data=chunk(parts[0]), chunk_index=0)["data"]
    assert (again["status"], again["received_chunks"]) == ("file_created", 2)
    check = upload(api, stream_id="u1", verify_only=True)["data"]
    assert (check["status"], check["received_chunks"]) == ("file_created", 2)
    upload(api, stream_id="u1", chunk_data=chunk(parts[1]), chunk_index=1)
    done = upload(api, stream_id="u1", is_complete=True)["data"]
    assert (done["type"], done["status"], done["file_size"], done["sha256"]) == (
        "response", "file_complete", len(data), sha)
    path = Path(done["file_path"])
    assert path.read_bytes() == data and path.name == "greeting.txt"
    assert path.is_relative_to(Path(sim.storage.root))
    # the uploaded file can be sent, as a bot would do next
    api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": [
        {"type": "file", "data": {"file": f"file://{path}", "name": "greeting.txt"}}]})
    assert upload(api, stream_id="u1", verify_only=True)["message"] == "Stream not found"


def test_upload_file_stream_errors(api: Api) -> None:
    assert upload(api, stream_id="u2", chunk_data=chunk(b"x"), chunk_index=0)[
        "message"] == "total_chunks required for new stream"
    upload(api, stream_id="u2", total_chunks=2)
    bad_index = upload(api, stream_id="u2", chunk_data=chunk(b"x"), chunk_index=5)
    assert (bad_index["message"], bad_index["data"]) == ("Invalid chunk index: 5", ERROR)
    assert upload(api, stream_id="u2", is_complete=True)["message"] == "Missing memory chunk 0"
    upload(api, stream_id="u3", chunk_data=chunk(b"abc"), chunk_index=0, total_chunks=1,
           expected_sha256="0" * 64)
    mismatch = upload(api, stream_id="u3", is_complete=True)["message"]
    assert mismatch.startswith("SHA256 mismatch. Expected: 000")
    assert upload(api, stream_id="u3", verify_only=True)["data"]["received_chunks"] == 1
    assert upload(api, stream_id="u3", reset=True)["message"] == "Stream reset completed"
    assert upload(api, stream_id="u3", verify_only=True)["message"] == "Stream not found"


def test_upload_streams_expire_and_can_be_cleaned(api: Api, clock: ManualClock) -> None:
    upload(api, stream_id="old", total_chunks=2)
    clock.advance(601)  # ten minutes without a chunk
    assert upload(api, stream_id="old", verify_only=True)["message"] == "Stream not found"
    upload(api, stream_id="a", total_chunks=2)
    api.void("clean_stream_temp_file")
    assert upload(api, stream_id="a", verify_only=True)["message"] == "Stream not found"


# -- on the wire -------------------------------------------------------------------------------


@pytest.mark.trio
async def test_stream_frames_over_forward_websocket() -> None:
    with trio.fail_after(15):
        async with open_sim(wired_config()) as sim:
            name = received_image(sim)
            url = sim.url("ws")
            async with open_websocket_url(url + "/api") as ws:
                await ws.send_message(json.dumps({
                    "action": "download_file_stream",
                    "params": {"file": name, "chunk_size": 40}, "echo": "s1"}))
                received = []
                while not received or received[-1]["data"]["type"] != "response":
                    received.append(json.loads(await ws.get_message()))
    assert all(f["echo"] == "s1" and f["stream"] == "stream-action" for f in received)
    chunks = [f["data"] for f in received if f["data"].get("data_type") == "file_chunk"]
    assert b"".join(base64.b64decode(c["data"]) for c in chunks) == PNG_3X2
    assert received[-1]["data"]["total_chunks"] == len(chunks) == 2


@pytest.mark.trio
async def test_stream_frames_over_http() -> None:
    with trio.fail_after(15):
        async with open_sim(wired_config()) as sim:
            url = sim.url("http")
            async with httpx.AsyncClient(base_url=url) as client:
                response = await client.post("/test_download_stream", json={})
                normal = await client.post("/get_login_info", json={})
    assert response.status_code == 200
    assert "content-type" not in response.headers  # NapCat writes the body with res.write
    parts = response.text.split("\r\n\r\n")
    assert parts[-1] == "" and len(parts) == 12
    envelopes = [json.loads(part) for part in parts[:-1]]
    assert len({e["echo"] for e in envelopes}) == 1  # one random echo for the request
    assert envelopes[-1]["data"]["data_type"] == "data_complete"
    assert normal.headers["content-type"].startswith("application/json")
    assert normal.json()["stream"] == "normal-action"
