"""Root URL patterns: include at the project root, next to the auth API.

    urlpatterns = [
        path("api/auth/", include("better_auth.urls")),
        path("", include("better_auth_oauth_provider.urls")),
    ]

The patterns match any issuer path and compare it with the configured one at
request time, so no setting is read when the URLconf is imported.
"""

from __future__ import annotations

from django.urls import re_path

from . import views
from .resource_server.metadata import protected_resource_metadata_view

__all__ = ["urlpatterns", "well_known"]

well_known = [
    re_path(
        r"^\.well-known/oauth-authorization-server(?P<issuer_path>/.*)?$",
        views.authorization_server_metadata_view,
        name="oauth_authorization_server_metadata",
    ),
    re_path(
        r"^\.well-known/openid-configuration(?P<issuer_path>/.*)?$",
        views.openid_configuration_view,
        name="openid_configuration",
    ),
    # RFC 9728 §3.1: the metadata of the resources this project serves.
    re_path(
        r"^\.well-known/oauth-protected-resource(?P<resource_path>/.*)?$",
        protected_resource_metadata_view,
        name="oauth_protected_resource_metadata",
    ),
]

urlpatterns = well_known
