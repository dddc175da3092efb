from django.urls import path

from linli.care import views

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("visits/<int:pk>/", views.visit, name="visit"),
    path("overview/", views.overview, name="overview"),
    path("files/", views.files, name="files"),
    path("files/<int:pk>/", views.file_detail, name="file"),
    path("files/<int:pk>/refer/", views.refer, name="refer"),
    path("referrals/<int:pk>/close/", views.referral_close, name="referral_close"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
    path("posts/", views.posts, name="posts"),
    path("posts/<str:code>/assign/", views.post_assign, name="post_assign"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
