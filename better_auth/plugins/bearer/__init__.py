"""Bearer plugin: Better Auth 1.7 ``bearer()`` for Django (core-surface §8.9).

Add ``"better_auth.plugins.bearer"`` to ``INSTALLED_APPS``. Every auth API
request may then name its session with ``Authorization: Bearer <token>``
instead of the session cookie, and every answer that sets the session cookie
also carries the signed value in a ``set-auth-token`` header, so clients
without a cookie jar (mobile apps, scripts, other origins) keep a session.
A request without cookies is not subject to the origin check, which guards
cookie-carrying browsers only.
"""
