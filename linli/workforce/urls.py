from django.urls import path

from linli.workforce import views

app_name = "workforce"
urlpatterns = [
    path("patrol/", views.patrol, name="patrol"),
    path("patrol/points/", views.patrol_points, name="patrol_points"),
    path("patrol/end/", views.patrol_end, name="patrol_end"),
    path("patrol/event/", views.patrol_event, name="patrol_event"),
    path("patrol/note/", views.patrol_note, name="patrol_note"),
    path("patrol/nearby/", views.patrol_nearby, name="patrol_nearby"),
    path("patrols/<int:pk>/", views.patrol_detail, name="patrol_detail"),
    path("buildings/<int:pk>/fix/", views.building_fix, name="building_fix"),
    path("coverage/", views.coverage, name="coverage"),
    path("teams/", views.teams, name="teams"),
    path("teams/members/<int:pk>/", views.team_member, name="team_member"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<str:number>/", views.task_detail, name="task"),
    path("tasks/<str:number>/do/", views.task_do, name="task_do"),
    path("duties/", views.duties, name="duties"),
    path("figures/", views.figures, name="figures"),
    path("figures/grades/", views.grades, name="grades"),
    path("figures/grades/<int:pk>/", views.grade_edit, name="grade_edit"),
    path("figures/income/", views.income, name="income"),
    path("candidates/", views.candidates, name="candidates"),
    path("candidates/<int:pk>/leave/", views.candidate_leave, name="candidate_leave"),
]
