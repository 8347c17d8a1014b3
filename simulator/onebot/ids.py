"""Stand-ins for QQ's own identifiers, shared by actions and event renderers."""

from __future__ import annotations

import hashlib


def nt_uid(user_id: int) -> str:
    """A stable stand-in for the QQNT ``uid`` of an account."""
    digest = hashlib.sha1(f"qqsim-uid-{user_id}".encode()).hexdigest()
    return "u_" + digest[:22]
