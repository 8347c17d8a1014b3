"""A send commits the ORM changes made before it, and the pending-changes test holds
whichever way the session answers it."""

from __future__ import annotations

from types import SimpleNamespace

from simulator.world import build_world, load_spec
from simulator.world.core import WorldCore
from simulator.world.tables import AccountRow


def test_an_orm_change_is_seen_and_committed_with_the_next_send() -> None:
    world = build_world(load_spec("default"))
    try:
        core = world.core
        assert not core._orm_changed()
        core.session.add(AccountRow(user_id=77777, nickname="新来的"))
        assert core._orm_changed()
        world.messages.post_group(10001, 100100, [{"type": "text", "data": {"text": "hi"}}],
                                  "hi")
        assert not core._orm_changed()  # flushed with the send, in its commit
        assert world.accounts.get(77777).nickname == "新来的"
    finally:
        world.close()


def test_a_session_without_the_private_test_is_asked_through_its_sets() -> None:
    # ``Session._is_clean`` is SQLAlchemy's private flush test; a release without it must
    # still be read right (through ``new``, ``dirty`` and ``deleted``). ``WorldCore`` binds
    # the test once, None when the session has none.
    for pending, expected in (((), False), ({"row"}, True)):
        session = SimpleNamespace(new=pending, dirty=(), deleted=())
        core = SimpleNamespace(session=session, _is_clean=getattr(session, "_is_clean", None))
        assert WorldCore._orm_changed(core) is expected  # type: ignore[arg-type]
