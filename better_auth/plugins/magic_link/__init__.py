"""Magic link plugin: Better Auth 1.7 ``magicLink()`` for Django (core-surface §8.2).

Add ``"better_auth.plugins.magic_link"`` to ``INSTALLED_APPS``. ``POST
/sign-in/magic-link`` mails a single-use link; ``GET /magic-link/verify``
redeems it and signs the user in (creating the account unless sign-up is
disabled).
"""
