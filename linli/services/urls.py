from django.urls import path

from linli.services import views

app_name = "services"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/book/", views.book, name="book"),
    path("my/", views.my_bookings, name="my_bookings"),
    path("my/<int:pk>/<str:action>/", views.booking_action, name="booking_action"),
    path("apply/", views.window_mine, name="window_mine"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.service_edit, name="service_new"),
    path("manage/<int:pk>/", views.service_admin, name="service_admin"),
    path("manage/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("bookings/<int:pk>/<str:action>/", views.staff_booking, name="staff_booking"),
    path("needs/", views.needs, name="needs"),
    path("resources/", views.resources, name="resources"),
    path("projects/", views.projects, name="projects"),
    path("matching/", views.matching_page, name="matching"),
    path("matching/confirm/", views.match_confirm, name="match_confirm"),
    path("window/", views.window, name="window"),
    path("window/<int:pk>/", views.application, name="application"),
]
