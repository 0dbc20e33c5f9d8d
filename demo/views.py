from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The demo page; it talks to /api/auth through Better Auth's browser client."""
    return render(request, "demo/index.html")
