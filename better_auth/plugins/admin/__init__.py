"""Better Auth's admin plugin: roles, bans, impersonation and user management.

Enable it by adding ``better_auth.plugins.admin`` to ``INSTALLED_APPS``;
configure it in ``BETTER_AUTH["ADMIN"]`` (see ``conf.DEFAULTS``).
"""
