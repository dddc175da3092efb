"""Django settings and URLs for ``bench/intake.py``: the product, plus the floor view (bench only).

The floor is the least a Django view can do to accept a request: parse the form, insert one row
with one SQL statement, answer JSON. It lives here, never in the product.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from linli.settings import *  # noqa: F403

ROOT_URLCONF = "bench.intake_site"
FLOOR_TABLE = "bench_intake_floor"


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    """``urlpatterns`` is built on first use: including the product's URLs imports its models,
    which may not happen while this module is being read as the settings."""
    if name == "urlpatterns":
        return [path("bench/floor", floor), path("", include("linli.urls"))]
    raise AttributeError(name)


@csrf_exempt
def floor(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (body, at) VALUES (%s, now()) RETURNING id",
            [request.POST.get("description", "")],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse([{"id": str(row_id)}], safe=False)
