from django.urls import path

from linli.deliberation import views

app_name = "deliberation"

urlpatterns = [
    path("", views.topics, name="topics"),
    path("settings/", views.setting, name="setting"),
    path("new/", views.topic_new, name="topic_new"),
    path("from-request/", views.from_case, name="from_case"),
    path("topics/<str:number>/", views.topic, name="topic"),
    path("topics/<str:number>/accept/", views.topic_accept, name="topic_accept"),
    path("topics/<str:number>/steps/<int:order>/", views.step, name="step"),
    path("topics/<str:number>/meetings/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/<str:action>/", views.meeting_act, name="meeting_act"),
    path("votes/<int:pk>/", views.vote, name="vote"),
    path("votes/<int:pk>/<str:action>/", views.vote_act, name="vote_act"),
    path("resolutions/<int:pk>/progress/", views.progress, name="progress"),
    path("board/", views.board_admin, name="board_admin"),
    path("board/comments/<int:pk>/reply/", views.comment_reply, name="comment_reply"),
    path("mine/", views.resident, name="resident"),
    path("mine/topics/<str:number>/", views.resident_topic, name="resident_topic"),
    path("mine/topics/<str:number>/support/", views.support, name="support"),
    path("mine/votes/<int:pk>/", views.cast, name="cast"),
    path("mine/notices/<int:pk>/", views.notice, name="notice"),
    path("public/<str:code>/", views.board, name="board"),
    path("public/<str:code>/print/", views.board, name="board_print"),
    path("public/<str:code>/feed/", views.BoardFeed(), name="board_feed"),
]
