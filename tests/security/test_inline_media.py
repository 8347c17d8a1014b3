"""Issue 11, "no request holds the event loop for more than ~50 ms": big inline media.

A ``base64://`` image, voice, video or file in a message segment used to be decoded,
hashed and stored in the step that answered the frame, about 4 ms per MB of media: 95-140
ms for 20 MB, 210-275 ms for 36 MB. Now the frame's reader decodes and hashes a payload
over ``media.OFFLOAD_MIN`` in a worker thread first (pybase64 and hashlib let go of the
GIL), and writes a voice's file to the storage there too; the answering step only records
the bytes in the world (SQLite copies them, ~1.2 ms per MB) and answers after they are
stored. The parse of the frame itself is its own step, bounded by its size (see
``test_big_message``), so a test allows that one step the parse's own time.

The attacker runs in a thread of its own; ``loop_watch`` measures the server's longest
step while the other bot's ``get_login_info`` must be answered within 1 s, during and after
(``test_big_message.while_attacked``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import trio
from loop_watch import rerun_when_held
from test_big_message import (
    ATTACKER,
    GROUP,
    parse_seconds,
    png_of,
    send_over_ws,
    serving,
    while_attacked,
)

from simulator.adapters import media_offload
from simulator.onebot import media
from simulator.storage import Storage

#: Media this big took ~100 ms of one step to decode, hash and store.
SIZE = 24 * 1000 * 1000
#: What the parse step may take beyond the stdlib parse measured here.
PARSE_MARGIN = 0.015


def media_frame(kind: str, payload: bytes, echo: str) -> str:
    return json.dumps({"action": "send_group_msg", "echo": echo, "params": {
        "group_id": GROUP, "message": [{"type": kind, "data": {
            "file": "base64://" + base64.b64encode(payload).decode()}}]}})


def spy_threads(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Which threads decoded and exported: the names of the threads, by what they did."""
    seen: dict[str, list[str]] = {"decode": [], "export": []}
    decode, export = media.decode_inline, Storage.export

    def decoding(uri: str, start: int) -> Any:
        seen["decode"].append(threading.current_thread().name)
        return decode(uri, start)

    def exporting(self: Storage, name: str, data: bytes) -> str:
        seen["export"].append(threading.current_thread().name)
        return export(self, name, data)

    monkeypatch.setattr(media, "decode_inline", decoding)
    monkeypatch.setattr(Storage, "export", exporting)
    return seen


@pytest.mark.trio
@rerun_when_held
async def test_a_big_inline_image_is_decoded_and_hashed_off_the_loop(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    image = png_of(SIZE)
    frame = media_frame("image", image, "img")
    parse_max = parse_seconds(frame) + PARSE_MARGIN
    threads = spy_threads(monkeypatch)
    with trio.fail_after(60):
        async with serving() as sim:
            for echo in ("first", "again"):  # again: known, not read back from the world
                sent = frame.replace('"echo": "img"', f'"echo": "{echo}"')
                answer = await while_attacked(
                    sim, lambda s=sent: send_over_ws(sim.url("ws"), s), parse_max)
                assert (answer["status"], answer["echo"]) == ("ok", echo), answer["message"]
            md5 = hashlib.md5(image).hexdigest().upper()
            stored = sim.world.media.find(md5)
            assert stored is not None and stored.data == image  # the world holds the bytes
            sent_images = [m for m in sim.history(group_id=GROUP) if m.sender_id == ATTACKER]
            assert [m.segments[0]["type"] for m in sent_images] == ["image", "image"]
    main = threading.main_thread().name
    assert len(threads["decode"]) == 2 and main not in threads["decode"]


@pytest.mark.trio
@rerun_when_held
async def test_a_big_voice_is_written_to_the_storage_off_the_loop(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    voice = b"#!AMR\n" + bytes(range(256)) * (SIZE // 256)
    frame = media_frame("record", voice, "voice")
    parse_max = parse_seconds(frame) + PARSE_MARGIN
    threads = spy_threads(monkeypatch)
    with trio.fail_after(60):
        async with serving() as sim:
            answer = await while_attacked(sim, lambda: send_over_ws(sim.url("ws"), frame),
                                          parse_max)
            assert (answer["status"], answer["echo"]) == ("ok", "voice"), answer["message"]
            sent = [m for m in sim.history(group_id=GROUP) if m.sender_id == ATTACKER]
            path = Path(sent[0].segments[0]["data"]["path"])
            assert path.is_relative_to(sim.storage.root)
            assert path.read_bytes() == voice  # stored before the answer left
    main = threading.main_thread().name
    assert threads["export"] and threads["export"][0] != main  # written in a worker
    assert main not in threads["decode"]


def test_small_inline_media_stays_on_the_loop() -> None:
    """Under ``OFFLOAD_MIN`` a thread costs more than the work (~3 ms a MB)."""
    small = "base64://" + "A" * (media.OFFLOAD_MIN - 100)
    params = {"message": [{"type": "image", "data": {"file": small}}], "group_id": GROUP}
    assert list(media_offload.big_inline(params)) == []
    big = "base64://" + "A" * media.OFFLOAD_MIN
    params["message"] = [{"type": "record", "data": {"file": big, "name": "v.amr"}}]
    assert (big, "record", "v.amr") in list(media_offload.big_inline(params))
