from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_id() -> str:
    """A 32-character ``[a-zA-Z0-9]`` id, Better Auth's default id shape."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(32))
