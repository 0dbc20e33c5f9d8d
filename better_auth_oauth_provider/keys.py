"""The provider's view of the core key store: algorithm and lifetimes.

Signing keys live in :mod:`better_auth.keys`; this module feeds it the
``SIGNING_ALGORITHM``, ``KEY_ROTATION_INTERVAL`` and ``KEY_GRACE_PERIOD``
settings, and computes how long a retired key must stay published.
"""

from __future__ import annotations

from better_auth.keys import KeyPolicy, set_policy

from .conf import section

__all__ = ["install_policy", "longest_token_lifetime", "policy"]


def policy() -> KeyPolicy:
    cfg = section()
    return KeyPolicy(
        alg=cfg.SIGNING_ALGORITHM,
        rotation_interval=cfg.KEY_ROTATION_INTERVAL,
        grace_period=max(int(cfg.KEY_GRACE_PERIOD), longest_token_lifetime()),
    )


def longest_token_lifetime() -> int:
    """Seconds the longest-lived JWT signed by the provider stays valid."""
    cfg = section()
    return max(
        int(cfg.ID_TOKEN_EXPIRES_IN),
        int(cfg.ACCESS_TOKEN_EXPIRES_IN),
        int(cfg.M2M_ACCESS_TOKEN_EXPIRES_IN),
    )


def install_policy() -> None:
    set_policy(policy)
