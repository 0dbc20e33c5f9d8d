"""Optional Better Auth plugins, each a Django app added to ``INSTALLED_APPS``.

A plugin hooks into the auth API from its ``AppConfig.ready()`` through the
extension points of :mod:`better_auth.hooks` (request checks, before- and
after-hooks) and :mod:`better_auth.ratelimit` (its rate-limit rules).
"""
