"""Test settings with the captcha plugin installed (and left unconfigured).

Runs the whole suite the way a project does after adding the app: without
``CAPTCHA.PROVIDER`` the plugin checks nothing, so every other test passes
unchanged, while tests/better_auth/test_captcha.py configures it per test::

    DJANGO_SETTINGS_MODULE=tests.better_auth.captcha_settings pytest tests
"""

from __future__ import annotations

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "better_auth.plugins.captcha"]
