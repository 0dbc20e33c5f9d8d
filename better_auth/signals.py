"""Signals of the core app.

Each is sent with ``sender=`` the model class, from ``transaction.on_commit``,
so a receiver never sees a change that was rolled back, and never runs inside
the transaction that made it. Receivers must accept ``**kwargs``. No signal
carries a password, a password hash, a token or a cookie value: sessions are
named by id, never handed over as the model (whose ``token`` is a bearer
secret).
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

# sender=User. kwargs: user, method ("email", "social", "magic-link", ...).
user_created = Signal()

# sender=User. kwargs: user, session_id, method.
user_signed_in = Signal()

# sender=Session. kwargs: user_id, session_id.
user_signed_out = Signal()

# sender=Session. kwargs: user_id, session_ids (list of Session.id, never
# tokens), reason ("revoke", "revoke-all", "revoke-others", "sign-out",
# "password-change", "password-reset", "delete-user", "admin").
session_revoked = Signal()

# sender=User. kwargs: user, sessions_revoked (bool), via ("change-password",
# "reset-password").
password_changed = Signal()

# sender=User. kwargs: user.
email_verified = Signal()
