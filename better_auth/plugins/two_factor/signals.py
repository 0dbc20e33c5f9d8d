"""Signals of the two-factor plugin.

``two_factor_enabled`` / ``two_factor_disabled``: sender=User, kwargs user,
method ("totp" or "otp"; disabled: None). ``two_factor_locked``:
sender=User, kwargs user, until (datetime) when the failure budget is spent.
A finished two-factor sign-in sends the core ``user_signed_in`` with
``method="two-factor-<factor>"``.
"""

from __future__ import annotations

from django.dispatch import Signal

two_factor_enabled = Signal()
two_factor_disabled = Signal()
two_factor_locked = Signal()
