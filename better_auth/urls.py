"""URLs of the auth API. Include at the configured base path::

path("api/auth/", include("better_auth.urls"))
"""

from __future__ import annotations

from django.urls import re_path

from .api.router import dispatch

app_name = "better_auth"

urlpatterns = [
    re_path(r"^(?P<path>.*)$", dispatch, name="api"),
]
