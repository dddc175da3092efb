"""The root URLconf, and the error answers of each door: the API answers in JSON, Open311 in
GeoReport's error list, pages with a Chinese page."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.urls import include, path, re_path
from django.views import defaults

from linli import api as api_errors
from linli.api import api
from linli.cases.open311 import views as open311
from linli.core.middleware import BadInput

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/v2/"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_errors.unknown_path, name="unknown_path"),
    path("regions/", include("linli.regions.urls")),
    path("registry/", include("linli.registry.urls")),
    path("facilities/", include("linli.facilities.urls")),
    path("indicators/", include("linli.indicators.urls")),
    path("lifecircle/", include("linli.lifecircle.urls")),
    path("cases/", include("linli.cases.urls")),
    path("open311/v2/", include("linli.cases.open311.urls")),
    path("services/", include("linli.services.urls")),
    path("deliberation/", include("linli.deliberation.urls")),
    path("workforce/", include("linli.workforce.urls")),
    path("volunteers/", include("linli.volunteers.urls")),
    path("care/", include("linli.care.urls")),
    path("manage/", include("linli.accounts.urls")),
    path("emergency/", include("linli.emergency.urls")),
    path("", include("linli.core.urls")),
]


def _open311_format(request: HttpRequest) -> str:
    return "json" if request.path_info.endswith(".json") else "xml"


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: bad input refused before any view ran (``linli.core.middleware``) or a request Django
    could not read (a body over the upload limit, too many fields)."""
    if request.path_info.startswith(API_PREFIX):
        return api_errors.input_error(request, exception)
    detail = exception.detail if isinstance(exception, BadInput) else ""
    if request.path_info.startswith(OPEN311_PREFIX):
        code = exception.code if isinstance(exception, BadInput) else "bad_request"
        return open311.error(
            _open311_format(request), 400, f"bad request ({code}) / {detail or '请求无法处理'}"
        )
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"detail": detail}))


def server_error(request: HttpRequest) -> HttpResponse:
    """500: the API and Open311 answer in their own format; pages show 500.html."""
    if request.path_info.startswith(API_PREFIX):
        return api_errors.server_error(request)
    if request.path_info.startswith(OPEN311_PREFIX):
        return open311.error(_open311_format(request), 500, "internal error / 服务器出错，请稍后再试")
    return defaults.server_error(request)


handler400 = bad_request
handler500 = server_error
