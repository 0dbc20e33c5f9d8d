from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("consent/", views.consent, name="consent"),
    path("admin/", admin.site.urls),
    path("api/auth/", include("better_auth.urls")),
    path("", include("better_auth_oauth_provider.urls")),
]
