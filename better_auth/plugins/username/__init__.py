"""Better Auth's username plugin: sign-in by username, unique and normalized.

Enable it by adding ``better_auth.plugins.username`` to ``INSTALLED_APPS``;
configure it in ``BETTER_AUTH["USERNAME"]`` (see ``conf.DEFAULTS``).
"""
