"""Two-factor plugin: Better Auth 1.7 ``twoFactor()`` for Django (core-surface §8.4).

Add ``"better_auth.plugins.two_factor"`` to ``INSTALLED_APPS`` and configure
``BETTER_AUTH["TWO_FACTOR"]``. Users then enable TOTP (an authenticator app)
or emailed/texted one-time codes; a password sign-in of such a user answers
``{"twoFactorRedirect": true, "twoFactorMethods": [...]}`` instead of a
session until a second factor is verified.
"""
