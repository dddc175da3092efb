from django.urls import path

from linli.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/", views.account_list, name="list"),
    path("accounts/staff/", views.staff_pick, name="staff_pick"),
    path("accounts/staff/<int:staff_pk>/open/", views.account_open, name="open"),
    path("accounts/import/", views.account_import, name="import"),
    path("accounts/unlock/", views.locked_unlock, name="locked_unlock"),
    path("accounts/import/template.xlsx", views.account_import_template, name="import_template"),
    path("accounts/<int:pk>/", views.account_detail, name="detail"),
    path("accounts/<int:pk>/reset-password/", views.account_reset, name="reset"),
    path("accounts/<int:pk>/unlock/", views.account_unlock, name="unlock"),
    path("links/", views.person_links, name="links"),
    path("links/<int:pk>/decide/", views.person_link_decide, name="link_decide"),
    path("my-record/", views.person_link_mine, name="link_mine"),
    path("schedule/", views.schedule_page, name="schedule"),
]
