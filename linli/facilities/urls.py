from django.urls import path

from linli.facilities import views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="list"),
    path("map/", views.facility_map, name="map"),
    path("new/", views.facility_edit, name="new"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/edit/", views.facility_edit, name="edit"),
    path("import/", views.import_page, name="import"),
    path("import/template.<str:fmt>", views.import_template, name="import_template"),
    path("import/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("export/", views.export, name="export"),
    path("checklist/", views.checklist_home, name="checklist_home"),
    path("checklist/<str:code>/", views.checklist, name="checklist"),
    path("checklist/<str:code>/rollup/", views.rollup, name="rollup"),
]
