"""Better Auth's anonymous plugin: guest users that can later become real.

Enable it by adding ``better_auth.plugins.anonymous`` to ``INSTALLED_APPS``;
configure it in ``BETTER_AUTH["ANONYMOUS"]`` (see ``conf.DEFAULTS``).
"""
