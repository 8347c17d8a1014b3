"""Issue 11 row 11: wrong-typed parameters made some actions crash, and the bot read the
exception: ``IsADirectoryError`` with the absolute storage path, ``TypeError``,
``ValueError: embedded null byte``, ``OSError: File name too long: /…``. A path the store
cannot even look up (a NUL byte, a name too long) is now "no such file", and any crash
left is answered with a fixed text (the traceback goes to qqsim's log only).

The probes go over the forward WebSocket while the bot is answered within a second; a
sweep then gives every action hostile values for each of its parameters in-process."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import trio
from control_probe import BOT, serving, under_attack
from trio_websocket import open_websocket_url

from simulator.app import Simulator
from simulator.onebot.dispatch import REGISTRY

#: What a leak looks like: an exception's name or words, a traceback.
LEAK = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback|null byte|NoneType|"
                  r"unhashable|not subscriptable|has no attribute|Errno")
LONG = "x" * 300  # past NAME_MAX (255) of every common file system


def probes(storage: Path) -> list[tuple[str, dict[str, Any]]]:
    """The calls that leaked before: a NUL byte, a name too long, a list where a key goes."""
    return [
        ("download_file", {"url": "a\x00b"}),
        ("add_custom_face", {"file": "a\x00b"}),
        ("send_online_file", {"user_id": 20001, "file_path": "a\x00b"}),
        ("send_online_folder", {"user_id": 20001, "folder_path": LONG}),
        ("create_flash_task", {"files": LONG}),
        ("get_mini_app_ark", {"type": []}),
        ("upload_group_file", {"group_id": 100100, "file": str(storage), "name": "d"}),
        ("send_group_msg", {"group_id": 100100, "message": [
            {"type": "image", "data": {"file": f"file://{storage}"}}]}),
    ]


def assert_no_leak(answer: dict[str, Any], storage: Path, sent: object) -> None:
    whole = json.dumps(answer, ensure_ascii=False)  # the message, and any data
    assert not LEAK.search(whole), (sent, whole)
    # A file's place in --storage is data some actions return, as NapCat returns its cache
    # paths; an error names it only if the bot sent it.
    if str(storage) not in json.dumps(sent, ensure_ascii=False):
        assert str(storage) not in str(answer.get("message")), (sent, whole)


@pytest.mark.trio
async def test_hostile_parameters_get_no_internal_text(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    (storage / "folder").mkdir(parents=True)
    with trio.fail_after(30):
        async with serving(storage_dir=str(storage)) as (sim, _):
            async def attack() -> None:
                async with open_websocket_url(sim.url("ws", BOT) + "/api") as ws:
                    for n, (action, params) in enumerate(probes(storage)):
                        await ws.send_message(json.dumps({"action": action, "params": params,
                                                          "echo": n}))
                        answer = json.loads(await ws.get_message())
                        assert answer["echo"] == n, answer  # answered, ok or not
                        assert_no_leak(answer, storage, params)

            await under_attack(sim, attack)


#: Values for every parameter of every action: wrong types, unusable paths.
HOSTILE: list[Any] = ["a\x00b", LONG, [], {}, [1, 2], {"a": 1}, "/", -1, 1.5, True]


def test_no_action_answers_with_internal_text(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL)  # crashes are logged with their tracebacks: not here
    link = sim.link(BOT)
    storage = sim.storage.root
    calls = 0
    assert len(REGISTRY)  # a read declares every action (the handlers load on demand)
    for name, spec in sorted(REGISTRY._specs.items()):  # aliases too
        for key in getattr(spec.params, "model_fields", {}):
            for value in HOSTILE:
                params = {"group_id": 100100, "user_id": 20001, key: value}
                answer = link.call(name, params)
                calls += 1
                assert_no_leak(answer, storage, params)
    assert calls > 1000  # the sweep did sweep
