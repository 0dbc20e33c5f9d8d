"""Views a project would write on top of the core app: DRF and plain Django."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.urls import path
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from better_auth.authentication import (
    BearerSessionAuthentication,
    SessionCookieAuthentication,
)


@api_view(["GET", "POST"])
@authentication_classes([SessionCookieAuthentication, BearerSessionAuthentication])
@permission_classes([IsAuthenticated])
def whoami(request):
    return Response({"email": request.user.email, "method": request.method})


@login_required
def page(request):
    return HttpResponse(f"hello {request.user.email}")


def anonymous(request):
    return JsonResponse({"authenticated": request.user.is_authenticated})


def plain(request):
    """Never looks at request.user."""
    return HttpResponse("plain")


def auth_session(request):
    current = request.auth_session
    return JsonResponse(
        {
            "user": getattr(request.user, "email", None),
            "session_user": current.user.email if current else None,
        }
    )


async def async_whoami(request):
    user = await request.auser()
    return JsonResponse({"authenticated": user.is_authenticated})


urlpatterns = [
    path("whoami", whoami),
    path("page", page),
    path("anon", anonymous),
    path("plain", plain),
    path("auth-session", auth_session),
    path("async-whoami", async_whoami),
]
