from django.urls import path

from linli.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("report/", views.report, name="report"),
    path("mine/", views.mine, name="mine"),
    path("intake/", views.intake, name="intake"),
    path("patrol/", views.patrol, name="patrol"),
    path("suggest/", views.suggest, name="suggest"),
    path("report/suggest/", views.report_suggest, name="report_suggest"),
    path("map/", views.case_map, name="map"),
    path("measures/", views.measures, name="measures"),
    path("notifications/", views.notifications, name="notifications"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/", views.act, name="act"),
    path("<str:number>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("<str:number>/public-text/", views.public_text, name="public_text"),
    path("<str:number>/photos/<int:photo_id>/", views.photo, name="photo"),
]
