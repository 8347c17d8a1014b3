"""The simulated QQ world: synchronous state and rules over SQLite, no I/O.

Must not import trio, adapters or the OneBot layer. A refusal is a ``WorldError``
carrying a ``Why`` code and the failure's data, never text: each implementation's
catalogue words it (``simulator/catalogue/``; ``tests/test_error_catalogue.py``).
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_exports
from .events import (
    AdminChanged,
    CardChanged,
    DomainEvent,
    FriendAdded,
    GroupRenamed,
    MemberJoined,
    MemberLeft,
    MemberMuted,
    MessageCreated,
    MessageRecalled,
    ProfileLiked,
    RequestCreated,
    TitleChanged,
)
from .seed import build_world, load_spec
from .snapshots import Account, Friend, Group, Member, Message, Request, Segment
from .spec import WorldSpec
from .world import World

if TYPE_CHECKING:
    from .generate import GeneratedSpec, generate_spec, generated_world

__all__ = [
    "Account",
    "AdminChanged",
    "CardChanged",
    "DomainEvent",
    "Friend",
    "FriendAdded",
    "GeneratedSpec",
    "Group",
    "GroupRenamed",
    "Member",
    "MemberJoined",
    "MemberLeft",
    "MemberMuted",
    "Message",
    "MessageCreated",
    "MessageRecalled",
    "ProfileLiked",
    "Request",
    "RequestCreated",
    "Segment",
    "TitleChanged",
    "World",
    "WorldSpec",
    "build_world",
    "generate_spec",
    "generated_world",
    "load_spec",
]

# The generator (its drawing, history filling and vocabulary) loads on first use: a
# world built from a seed file never needs it (an idle server's memory, issue 10).
__getattr__ = lazy_exports(__name__, dict.fromkeys(
    ("GeneratedSpec", "generate_spec", "generated_world"), ".generate"), globals())
