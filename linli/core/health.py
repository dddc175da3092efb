"""Health and readiness for a load balancer: ``/healthz`` (the process answers) and ``/readyz`` (the
database answers and a worker ran the heartbeat job lately). Neither needs a login nor says more than
which check failed."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linli.core.schedule import worker_alive


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Live: the web process answers (no database query)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: the database answers a query and a heartbeat run finished within three minutes."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "failed"
    if checks["database"] == "ok":
        checks["worker"] = "ok" if worker_alive() else "stale"
    else:
        checks["worker"] = "unknown"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
