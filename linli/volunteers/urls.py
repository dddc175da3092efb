from django.urls import path

from linli.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("me/<str:action>/", views.mine_action, name="mine_action"),
    path("activities/", views.activities, name="activities"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("activities/<int:pk>/<str:action>/", views.activity_action, name="activity_action"),
    path("register/", views.office_register, name="office_register"),
    path("list/", views.volunteers, name="volunteers"),
    path("list/<int:pk>/", views.volunteer, name="volunteer"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("timebank/", views.timebank, name="timebank"),
    path("timebank/<int:pk>/", views.statement, name="statement"),
    path("settings/", views.settings_page, name="settings"),
    path("proofs/<int:pk>.pdf", views.proof_download, name="proof_pdf"),
    path("verify/", views.verify, name="verify"),
]
