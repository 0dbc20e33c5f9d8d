from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("better_auth.urls")),
    path("drf/", include("tests.better_auth.drf_app.urls")),
]
