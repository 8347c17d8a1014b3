"""One error catalogue: the world raises codes and data, each profile words them.

An AST scan fails any error built or raised under ``simulator/world/`` that carries
wire text (a worded error without a ``Why`` code or with a string or f-string among
its data; CJK in any raised error), and any worded error anywhere whose data lacks a
field NapCat's template for its code needs. Each scan proves itself on a violation
built for it.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import errors
from simulator.catalogue import napcat
from simulator.catalogue.gocq import GOCQ_ERRORS
from simulator.errors import NotFound, Why
from simulator.onebot.profiles import GOCQ

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: Errors a bot reads: their first argument must be a ``Why`` code in the world.
WORDED = frozenset(name for name, value in vars(errors).items()
                   if isinstance(value, type) and issubclass(value, errors.Worded))


def _error_calls(tree: ast.AST) -> Iterator[tuple[int, str, ast.Call, bool]]:
    """``(line, class name, call, raised)`` for each worded error built and each raise."""
    raised = {id(node.exc) for node in ast.walk(tree) if isinstance(node, ast.Raise)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            if name in WORDED or id(node) in raised:
                yield node.lineno, name, node, id(node) in raised


def _strings(node: ast.AST) -> Iterator[str]:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            yield inner.value


def _why(call: ast.Call) -> Why | None:
    first = call.args[0] if call.args else None
    if (isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name)
            and first.value.id == "Why"):
        return Why[first.attr]
    return None


def wire_text_problems(source: str, where: str) -> list[str]:
    """Errors in ``source`` that carry wire text instead of a code and data."""
    found = []
    for line, name, call, raised in _error_calls(ast.parse(source)):
        data = [*call.args[1:], *(k.value for k in call.keywords)]
        if name in WORDED and (_why(call) is None or any(
                isinstance(arg, ast.Constant | ast.JoinedStr) and any(_strings(arg))
                for arg in data)):
            found.append(f"{where}:{line}: {name} without a Why code, or with literal text")
        elif raised and any(CJK.search(text) for text in _strings(call)):
            found.append(f"{where}:{line}: {name} carries CJK text")
    return found


def missing_data_problems(source: str, where: str) -> list[str]:
    """Worded errors whose data lacks a field of NapCat's template for their code."""
    found = []
    for line, name, call, _ in _error_calls(ast.parse(source)):
        why = _why(call) if name in WORDED else None
        if why is None or any(k.arg is None for k in call.keywords):  # **data: unknowable
            continue
        given = {k.arg for k in call.keywords}
        needed = {field for _, field, _, _ in string.Formatter().parse(napcat.TEXTS[why])
                  if field}
        if needed - given:
            found.append(f"{where}:{line}: {why.name} lacks {sorted(needed - given)}")
    return found


def _sources(under: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(under.rglob("*.py")):
        yield path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE))


def test_the_world_raises_codes_not_wire_text() -> None:
    problems = [p for source, where in _sources(PACKAGE / "world")
                for p in wire_text_problems(source, where)]
    assert problems == []


def test_every_raise_site_gives_the_data_its_text_needs() -> None:
    problems = [p for source, where in _sources(PACKAGE)
                for p in missing_data_problems(source, where)]
    assert problems == []


def test_the_scans_see_a_built_violation() -> None:
    # A rule that cannot fail protects nothing: each scan must flag a planted raise.
    planted = (
        "def f(message_id):\n"
        "    raise NotFound('消息不存在')\n"
        "def g(group_id):\n"
        "    raise PermissionDenied(f'{group_id} ERR_NOT_GROUP_ADMIN')\n"
        "def h():\n"
        "    raise ValueError('已离线')\n"
        "def i(group_id):\n"
        "    raise NotFound(Why.GROUP_NOT_FOUND, user_id=group_id)\n"
        "def j(user_id):\n"
        "    raise InvalidState(Why.NOT_A_FRIEND, user_id, 'not friends')\n"
        "def k():\n"
        "    raise ValueError('an empty word list')\n"
        "def m(message_id):\n"
        "    return answer(InvalidState('精华消息不存在'), Why.MESSAGE_NOT_FOUND)\n"
    )
    assert [p.split(": ")[0] for p in wire_text_problems(planted, "x.py")] == [
        "x.py:2", "x.py:4", "x.py:6", "x.py:10", "x.py:14"]
    assert missing_data_problems(planted, "x.py") == [
        "x.py:8: GROUP_NOT_FOUND lacks ['group_id']",
        "x.py:10: NOT_A_FRIEND lacks ['user_id']"]


def test_napcat_words_every_code() -> None:
    assert set(napcat.TEXTS) == set(Why)


def test_every_code_is_raised_somewhere() -> None:
    # A code no raise site names is a text nobody can meet: drop both.
    named = {node.attr for source, where in _sources(PACKAGE)
             if not where.startswith(("why.py", "catalogue"))
             for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
             and node.value.id == "Why"}
    assert sorted(set(Why.__members__) - named) == []


def test_an_error_is_a_code_and_data_worded_by_napcat() -> None:
    error = NotFound(Why.MEMBER_NOT_FOUND, group_id=100, user_id=7)
    assert (error.why, error.data) == (Why.MEMBER_NOT_FOUND, {"group_id": 100, "user_id": 7})
    assert str(error) == "群(100)成员7不存在"
    assert repr(error) == "NotFound(Why.MEMBER_NOT_FOUND, group_id=100, user_id=7)"
    # A field the raise site forgot shows as itself rather than breaking str().
    assert str(NotFound(Why.GROUP_NOT_FOUND)) == "群{group_id}不存在"
    # qqsim's own refusals (the control API's) may still carry plain text.
    assert str(NotFound("media x is only a remote reference")) == (
        "media x is only a remote reference")


@pytest.mark.parametrize(("error", "action", "worded"), [
    # go-cqhttp's own wording, chosen by action, class and code...
    (NotFound(Why.MEMBER_NOT_FOUND, group_id=1, user_id=2), "set_group_kick",
     ("MEMBER_NOT_FOUND", "人员不存在")),
    (NotFound(Why.MEMBER_NOT_FOUND, group_id=1, user_id=2), "get_group_member_info",
     ("MEMBER_NOT_FOUND", "群员不存在")),
    (NotFound(Why.GROUP_NOT_FOUND, group_id=1), "get_group_info",
     ("GROUP_NOT_FOUND", "群聊不存在")),
    (errors.InvalidState(Why.EMPTY_MESSAGE), "send_msg", ("EMPTY_MSG_ERROR", "消息为空")),
    (errors.InvalidState(Why.SEND_NO_RELATION, user_id=5), "send_msg",
     ("SEND_MSG_API_ERROR", "请参考 go-cqhttp 端输出")),
    # ...or NapCat's text under go-cqhttp's code where go-cqhttp passes err.Error() on.
    (errors.StoreFailed(Why.STORE_FAILED), "send_like", ("API_ERROR", "存储失败")),
])
def test_gocq_words_a_code_its_own_way(error: errors.WorldError, action: str,
                                       worded: tuple[str, str]) -> None:
    assert GOCQ.errors is GOCQ_ERRORS
    assert GOCQ_ERRORS.word(action, error) == worded


def test_the_catalogues_stand_on_the_ground_floor() -> None:
    # errors.py renders through catalogue/napcat.py: neither may reach up the floors.
    siblings, stdlib = {"why", "errors", "napcat", "rules"}, {"__future__", "collections.abc",
                                                               "dataclasses"}
    for source, where in _sources(PACKAGE / "catalogue"):
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, ast.Import), where
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                ok = module.split(".")[0] in siblings if node.level else module in stdlib
                assert ok, f"{where} imports {module}"
