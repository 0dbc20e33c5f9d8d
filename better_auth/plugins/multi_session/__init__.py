"""Multi-session plugin: Better Auth 1.7 ``multiSession()`` (core-surface §8.10).

Add ``"better_auth.plugins.multi_session"`` to ``INSTALLED_APPS``. Each new
session then also gets a signed ``<session cookie>_multi-<token lowercased>``
cookie, so one browser keeps several accounts signed in: list them, switch
the active one, revoke one, and sign out of all at once.
"""
