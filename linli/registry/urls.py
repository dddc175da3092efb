from django.urls import path

from linli.registry.views import addresses, audit, exports, persons, places, transfer

app_name = "registry"
urlpatterns = [
    path("persons/", persons.persons, name="persons"),
    path("persons/new/", persons.person_edit, name="person_new"),
    path("persons/newborn/", persons.person_edit, {"newborn": True}, name="person_newborn"),
    path("persons/<int:pk>/", persons.person, name="person"),
    path("persons/<int:pk>/edit/", persons.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/<str:field>/", persons.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/tags/", persons.person_tag_add, name="person_tag_add"),
    path("persons/<int:pk>/status/", persons.person_status_change, name="person_status_change"),
    path("persons/<int:pk>/tags/<int:tag_id>/end/", persons.person_tag_end, name="person_tag_end"),
    path("households/", places.households, name="households"),
    path("households/new/", places.household_new, name="household_new"),
    path("households/search/", places.household_search, name="household_search"),
    path("households/<int:pk>/", places.household, name="household"),
    path("buildings/", places.buildings, name="buildings"),
    path("addresses/search/", addresses.address_search, name="address_search"),
    path("buildings/<int:pk>/", places.building, name="building"),
    path("organisations/", places.organisations, name="organisations"),
    path("staff/", places.staff, name="staff"),
    path("audit/", audit.audit, name="audit"),
    path("import/", transfer.import_page, name="import"),
    path("import/template/<str:kind>.<str:fmt>", transfer.import_template, name="import_template"),
    path("import/<int:pk>/errors.xlsx", transfer.import_errors, name="import_errors"),
    path("import/<int:pk>/progress/", transfer.import_progress, name="import_progress"),
    path("import/<int:pk>/confirm/", transfer.import_confirm, name="import_confirm"),
    path("export/<str:kind>/", exports.export, name="export"),
    path("exports/", exports.export_runs, name="export_runs"),
    path("exports/<int:pk>/", exports.export_run, name="export_run"),
    path("exports/<int:pk>/file/", exports.export_file, name="export_file"),
]
