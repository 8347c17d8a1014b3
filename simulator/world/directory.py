"""Pages and searches over what grows with the world: people, groups, members, chats.

A console (or any client) on a world of 100k people cannot be handed the whole
world: it asks for one page at a time, optionally narrowed by a search text.
A search text of digits matches a number (QQ number, group number) from its
first digit, the exact number first; any other text matches a name (nickname,
group name, member card) anywhere in it. Every read here is one indexed or
bounded SQL query, so a page costs about the same at 100 or 100k people (a name
search scans the table once: some 30 ms at 100k people).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .snapshots import Account, Group, Member, Message
from .tables import chat_key

if TYPE_CHECKING:
    from .world import World

#: Members listed by rank as QQ lists them: the owner, the admins, then everyone else.
_RANK = {"owner": 0, "admin": 1, "member": 2}
#: QQ and group numbers have at most this many digits (they stay below 2**34).
MAX_DIGITS = 11
_ACCOUNT_COLUMNS = "user_id, nickname, sex, age, is_bot, qq_level, long_nick, reg_time"


@dataclass(frozen=True)
class Search:
    """What a page is narrowed to: a text (name or number) and where the page starts."""

    text: str = ""
    offset: int = 0
    limit: int = 50

    @property
    def number(self) -> str:
        """The text as a number's leading digits, or "" when it is not one."""
        stripped = self.text.strip()
        return stripped if stripped.isdigit() else ""

    @property
    def pattern(self) -> str:
        """A LIKE pattern matching the text anywhere (its own % and _ taken literally)."""
        escaped = self.text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    def matches(self, number: int, *names: str) -> bool:
        """Whether the text matches ``number`` (digits: from its first digit) or a name."""
        if self.number:
            return str(number).startswith(self.number)
        needle = self.text.strip().lower()
        return not needle or any(needle in name.lower() for name in names)


def _where(search: Search, number_column: str, name_column: str) -> tuple[str, list[object]]:
    """Digits match numbers starting with them (ranges of the primary key: no scan); any
    other text matches names containing it (one scan of the table)."""
    if not search.text.strip():
        return "1", []
    if search.number:
        ranges = _prefix_ranges(search.number)
        clause = " OR ".join(f"{number_column} BETWEEN ? AND ?" for _ in ranges)
        return f"({clause})", [bound for pair in ranges for bound in pair]
    return f"{name_column} LIKE ? ESCAPE '\\'", [search.pattern]


def _prefix_ranges(digits: str) -> list[tuple[int, int]]:
    """The numbers (up to ``MAX_DIGITS`` long) whose decimal form starts with ``digits``."""
    start = int(digits)
    ranges = []
    for extra in range(MAX_DIGITS - len(digits.lstrip("0") or "0") + 1):
        scale = 10 ** extra
        ranges.append((start * scale, (start + 1) * scale - 1))
    return ranges


def _exact_first(search: Search, number_column: str) -> tuple[str, list[object]]:
    """An ORDER BY putting the exact number first, then by number."""
    if search.number:
        return f"({number_column} = ?) DESC, {number_column}", [int(search.number)]
    return number_column, []


def people(world: World, search: Search, *, bots: bool | None = False) -> list[Account]:
    """A page of accounts (people by default; ``bots=True`` only bots, None both)."""
    where, params = _where(search, "user_id", "nickname")
    if bots is not None:
        where += " AND is_bot = ?"
        params.append(int(bots))
    order, order_params = _exact_first(search, "user_id")
    rows = world.core.conn.execute(
        f"SELECT {_ACCOUNT_COLUMNS} FROM account WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
        (*params, *order_params, search.limit, search.offset))
    return [Account(user_id, nickname, sex, age, bool(is_bot), level, long_nick, reg)
            for user_id, nickname, sex, age, is_bot, level, long_nick, reg in rows]


def count_people(world: World) -> tuple[int, int]:
    """How many people and how many bots the world holds."""
    row = world.core.conn.execute(
        "SELECT COUNT(*) - COALESCE(SUM(is_bot), 0), COALESCE(SUM(is_bot), 0) FROM account"
    ).fetchone()
    return int(row[0]), int(row[1])


def groups(world: World, search: Search, *, member: int | None = None) -> list[Group]:
    """A page of groups; with ``member``, only the groups that account is in."""
    where, params = _where(search, "g.group_id", "g.name")
    source = "qgroup AS g"
    if member is not None:
        source += " JOIN member AS m ON m.group_id = g.group_id AND m.user_id = ?"
        params.insert(0, member)
    order, order_params = _exact_first(search, "g.group_id")
    rows = world.core.conn.execute(
        f"SELECT g.group_id FROM {source} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
        (*params, *order_params, search.limit, search.offset))
    return [world.groups.get(group_id) for (group_id,) in rows]


def count_groups(world: World) -> int:
    return int(world.core.conn.execute("SELECT COUNT(*) FROM qgroup").fetchone()[0])


def members(world: World, group_id: int, search: Search) -> list[Member]:
    """A page of a group's members: owner, admins, then the rest, each by number.

    A group holds at most a few thousand members, and its list is cached by the world.
    """
    found = [m for m in world.groups.members(group_id)
             if search.matches(m.user_id, m.card, m.nickname)]
    exact = int(search.number) if search.number else None
    found.sort(key=lambda m: (m.user_id != exact, _RANK.get(m.role, 3), m.user_id))
    return found[search.offset:search.offset + search.limit]


def friend_ids(world: World, user_id: int, search: Search) -> list[int]:
    """A page of the friends of ``user_id``, by number."""
    where, params = _where(search, "f.friend_id", "a.nickname")
    rows = world.core.conn.execute(
        "SELECT f.friend_id FROM friendship AS f JOIN account AS a ON a.user_id = f.friend_id "
        f"WHERE f.owner_id = ? AND {where} ORDER BY f.friend_id LIMIT ? OFFSET ?",
        (user_id, *params, search.limit, search.offset))
    return [friend_id for (friend_id,) in rows]


def chat_page(world: World, chat_type: str, a: int, b: int, *, before_seq: int | None,
              limit: int) -> list[Message]:
    """Up to ``limit`` messages of one chat before ``before_seq`` (the newest without it),
    oldest first; recalled messages included (the console marks them)."""
    where = "chat_type = ? AND chat = ?"
    params: tuple[object, ...] = (chat_type, chat_key(chat_type, a, b))
    if before_seq is not None:
        where += " AND seq < ?"
        params = (*params, before_seq)
    found = world.messages.select(f"{where} ORDER BY seq DESC LIMIT ?", (*params, limit))
    found.reverse()
    return found


def latest_seq(world: World, chat_type: str, a: int, b: int = 0) -> int:
    """The newest sequence number of a chat (recalled messages count), 0 if it has none."""
    found = world.core.conn.execute(
        "SELECT MAX(seq) FROM message WHERE chat_type = ? AND chat = ?",
        (chat_type, chat_key(chat_type, a, b))).fetchone()[0]
    return int(found or 0)


def highest_ids(world: World) -> tuple[int, int]:
    """The highest account and group numbers in use (0 when there is none)."""
    conn = world.core.conn
    user = conn.execute("SELECT MAX(user_id) FROM account").fetchone()[0]
    group = conn.execute("SELECT MAX(group_id) FROM qgroup").fetchone()[0]
    return int(user or 0), int(group or 0)
