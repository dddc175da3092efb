from django.urls import path

from linli.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("indicator/<slug:code>/", views.indicator_detail, name="indicator"),
    path("values/", views.values, name="values"),
    path("values/import/", views.values_import, name="values_import"),
    path("values/<int:pk>/history/", views.value_history, name="value_history"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/import/", views.tasks_import, name="tasks_import"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/evidence/<int:report_pk>/", views.task_evidence, name="task_evidence"),
    path("plans/", views.plans, name="plans"),
    path("report/", views.report_download, name="report"),
]
