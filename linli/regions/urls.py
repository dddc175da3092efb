from django.contrib.auth.decorators import login_required
from django.urls import path

from linli.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("boundaries/", views.boundaries, name="boundaries"),
    path("grid-template.xlsx", login_required(views.template_download), name="grid_template"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/children/", views.children, name="children"),
    path("<str:code>/geojson/", views.geojson, name="geojson"),
    path("<str:code>/urban-rural/", views.set_urban_rural, name="urban_rural"),
    path("<str:code>/grids/import/", views.grid_import, name="grid_import"),
]
