from django.contrib import admin
from django.urls import include, path

from linli.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("regions/", include("linli.regions.urls")),
    path("registry/", include("linli.registry.urls")),
    path("facilities/", include("linli.facilities.urls")),
    path("indicators/", include("linli.indicators.urls")),
    path("lifecircle/", include("linli.lifecircle.urls")),
    path("cases/", include("linli.cases.urls")),
    path("open311/v2/", include("linli.cases.open311.urls")),
    path("services/", include("linli.services.urls")),
    path("", include("linli.core.urls")),
]
