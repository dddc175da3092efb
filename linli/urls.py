from django.contrib import admin
from django.urls import include, path

from linli.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("regions/", include("linli.regions.urls")),
    path("registry/", include("linli.registry.urls")),
    path("", include("linli.core.urls")),
]
