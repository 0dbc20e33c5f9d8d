"""Signals of the core app.

Each is sent with ``sender=`` the model class, from ``transaction.on_commit``,
so a receiver never sees a change that was rolled back. Receivers must accept
``**kwargs``; none of them is ever given a password, token or cookie value.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = [
    "email_verified",
    "password_changed",
    "session_revoked",
    "user_created",
    "user_signed_in",
    "user_signed_out",
]

# kwargs: user, method ("email", "social", ...), request_meta (dict of ip and
# user agent).
user_created = Signal()

# kwargs: user, session, method.
user_signed_in = Signal()

# kwargs: user_id, session_id.
user_signed_out = Signal()

# kwargs: user_id, session_ids (list), reason ("revoke", "revoke-all",
# "revoke-others", "password-change", "password-reset", "delete-user", "admin").
session_revoked = Signal()

# kwargs: user, sessions_revoked (bool), via ("change-password", "reset-password").
password_changed = Signal()

# kwargs: user.
email_verified = Signal()
