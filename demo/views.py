"""Views of the demo project: the sign-in page and the OAuth consent page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_safe

__all__ = ["consent", "index"]


def index(request: HttpRequest) -> HttpResponse:
    """The demo page; it talks to /api/auth through Better Auth's browser client.

    It is also the OAuth provider's ``LOGIN_PAGE``: opened with the signed
    authorization query, its script sends that query back on sign-in.
    Configured social / OpenID providers get a "Sign in with ..." button.
    """
    from better_auth.social import providers

    buttons = [{"id": p.id, "name": p.name} for p in providers().values()]
    return render(request, "demo/index.html", {"social_providers": buttons})


@require_safe
@xframe_options_deny
def consent(request: HttpRequest) -> HttpResponse:
    """The OAuth provider's ``CONSENT_PAGE``; its script reads the client's
    public info and posts ``/api/auth/oauth2/consent``.

    Framing is refused (RFC 6749 §10.13, clickjacking of the consent
    decision), the page is not cached and its address, which carries the
    signed authorization query, is not sent as a Referer.
    """
    response = render(request, "demo/consent.html")
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
