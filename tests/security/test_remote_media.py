"""Issue 11 row 12: ``--allow-remote-media`` did nothing, though the README said it let
media URLs be fetched. qqsim's OneBot layer does no I/O, so the flag is gone rather than
made real: ``qqsim run`` refuses it, the README no longer offers it, and a media URL in a
segment or a file parameter is remembered, never fetched, whatever the bot sends: a local
HTTP server named by every such URL sees no connection."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
import trio
from control_probe import BOT, bot_answers, serving

from simulator import cli

GROUP = 100100
README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_flag_is_refused_and_not_documented(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "--allow-remote-media"])
    assert exit_.value.code == 2
    assert "--allow-remote-media" in capsys.readouterr().err  # "unrecognized arguments"
    assert "--allow-remote-media" not in README.read_text(encoding="utf-8")


@pytest.mark.trio
async def test_a_media_url_is_never_fetched() -> None:
    dialled: list[trio.SocketStream] = []

    async def record(stream: trio.SocketStream) -> None:
        dialled.append(stream)
        await stream.aclose()

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            listeners = await nursery.start(partial(trio.serve_tcp, record, 0,
                                                    host="127.0.0.1"))
            url = f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}/cat.jpg"
            async with serving() as (sim, _):
                link = sim.link(BOT)
                sent = link.call("send_group_msg", {"group_id": GROUP, "message": [
                    {"type": "image", "data": {"file": url}}]})
                fetched = link.call("download_file", {"url": url})
                await bot_answers(sim)
                await trio.sleep(0)  # a fetch started by either call would have dialled by now
            nursery.cancel_scope.cancel()
    assert sent["status"] == "ok"  # the URL is remembered as the image's source
    assert fetched["status"] == "failed"  # download_file says it does not download
    assert dialled == []
