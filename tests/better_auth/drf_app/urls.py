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


urlpatterns = [
    path("whoami", whoami),
    path("page", page),
    path("anon", anonymous),
]
