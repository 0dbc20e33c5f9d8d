from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def health(request: HttpRequest) -> HttpResponse:
    """What bench/oauth.py polls until the server answers."""
    return HttpResponse("ok")


urlpatterns = [
    path("health", health),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
