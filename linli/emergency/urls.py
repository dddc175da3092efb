from django.urls import path

from linli.emergency import views

app_name = "emergency"
urlpatterns = [
    path("", views.index, name="index"),
    path("organisation/", views.organisation, name="organisation"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("plans/", views.plans, name="plans"),
    path("warnings/", views.warnings, name="warnings"),
    path("warnings/new/", views.warning_new, name="warning_new"),
    path("warnings/import/", views.warning_import, name="warning_import"),
    path("warnings/<str:number>/", views.warning, name="warning"),
    path("mine/", views.mine, name="mine"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<str:number>/", views.event, name="event"),
    path("checks/", views.checks, name="checks"),
    path("checks/<int:pk>/", views.check, name="check"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("shelters/", views.shelters, name="shelters"),
    path("shelters/<int:pk>/", views.shelter, name="shelter"),
    path("stays/<int:pk>/out/", views.stay_out, name="stay_out"),
    path("supplies/", views.supplies, name="supplies"),
    path("drills/", views.drills, name="drills"),
]
