from django.urls import path, re_path

from linli.cases.open311 import views

app_name = "open311"
F = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + F, views.discovery, name="discovery"),
    re_path(r"^services" + F, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[\w.\-]+)" + F, views.service_definition, name="service"),
    re_path(r"^requests" + F, views.request_list, name="requests"),
    re_path(r"^requests/(?P<request_id>[\w\-]+)" + F, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w\-]+)" + F, views.token_detail, name="token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
