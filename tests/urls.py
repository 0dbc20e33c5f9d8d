from django.contrib import admin
from django.urls import include, path

import demo.views

urlpatterns = [
    path("", demo.views.index),
    path("admin/", admin.site.urls),
    path("api/auth/", include("better_auth.urls")),
    path("", include("better_auth_oauth_provider.urls")),
    path("drf/", include("tests.better_auth.drf_app.urls")),
]
