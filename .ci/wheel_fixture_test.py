"""CI: the installed wheel's pytest plugin, as a bot developer's suite uses it.

Copied next to nothing of the checkout and run with the wheel's virtual
environment (``pytest`` installed beside it): the ``qqsim`` fixture gives a
fresh world on the bundled default seed, expectations take the scenario steps'
arguments, and a scenario file in this directory is collected as a test.
"""

from __future__ import annotations


def test_the_fixture_serves_the_bundled_world(qqsim):
    assert qqsim.bot == 10001 and qqsim.ws_url.startswith("ws://127.0.0.1:")
    qqsim.call("send_group_msg", {"group_id": 100100, "message": "hello from the wheel"})
    said = qqsim.expect.message(group=100100, text="hello from the wheel").check()
    assert said.sender_id == 10001
    qqsim.person(20001).mute(100100, 20003, 60)
    qqsim.expect.state(muted={"group": 100100, "user": 20003}).check()
    qqsim.expect.never("set_group_kick", within=0).check()
