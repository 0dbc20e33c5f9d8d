from __future__ import annotations

from django.urls import path

from .views import get_session

urlpatterns = [path("api/auth/get-session", get_session)]
