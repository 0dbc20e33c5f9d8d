"""Better Auth 1.7 for Django: the core app.

Public modules: ``better_auth.conf`` (settings accessor), ``better_auth.errors``
(error codes), ``better_auth.signals``, ``better_auth.hooks`` (endpoint hooks and
the ``validate_user_info`` gate), ``better_auth.authentication`` (DRF classes),
``better_auth.middleware`` and ``better_auth.outbound`` (guarded HTTP client).
"""

__all__: list[str] = []
