"""四个不漏 page: per child region counts, and the rows behind each check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from linli.core.models import AuthedHttpRequest
from linli.core.scope import scoped
from linli.regions.models import Region
from linli.registry.forms import AuditForm
from linli.registry.selectors import CHECKS, audit_details, four_no_miss
from linli.registry.views.common import require_reader


@login_required
def audit(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    user = request.user
    f = AuditForm(request.GET).values()
    code = f["region"] or user.region_code
    region = (
        scoped(Region.objects.current(), user).filter(code=code).first()
        if code
        else Region.objects.current().order_by("level", "code").first()
    )
    if region is None:
        raise Http404("区域不存在或不在本账号的数据范围内")
    rows, total = four_no_miss(user=user, region=region)
    check = f["check"]
    ctx = {
        "title": "四个不漏",
        "region": region,
        "rows": rows,
        "total": total,
        "checks": CHECKS,
        "check": check,
        "ancestors": region.ancestors(),
    }
    if check in dict(CHECKS):
        found = audit_details(user=user, region=region, check=check)
        ctx["check_label"] = dict(CHECKS)[check]
        ctx["detail"] = Paginator(found, 50).get_page(f["page"])
        ctx["detail_kind"] = (
            "person"
            if "person" in check
            else ("household" if "household" in check and check.startswith("households") else "building")
        )
    return render(request, "registry/audit.html", ctx)
