"""The simulated QQ world: synchronous state and rules over SQLite, no I/O.

Must not import trio, adapters or the OneBot layer. A refusal is a ``WorldError``
carrying a ``Why`` code and the failure's data, never text: each implementation's
catalogue words it (``simulator/catalogue/``; ``tests/test_error_catalogue.py``).
"""

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
from .generate import GeneratedSpec, generate_spec, generated_world
from .seed import build_world, load_spec
from .snapshots import Account, Friend, Group, Member, Message, Request, Segment
from .spec import WorldSpec
from .world import World

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
