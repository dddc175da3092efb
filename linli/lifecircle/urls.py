from django.urls import path

from linli.lifecircle import views

app_name = "lifecircle"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("coverage/", views.coverage, name="coverage"),
    path("siting/", views.siting, name="siting"),
    path("siting/<int:pk>/export/", views.siting_export, name="siting_export"),
    path("isochrone/<int:pk>/", views.isochrone, name="isochrone"),
]
