"""The staff's one-window pages: intake at the desk, the negative-list check, an application's steps."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from linli.core.models import AuthedHttpRequest
from linli.services import selectors, services
from linli.services.forms import ActionForm, ApplicationActForm, CheckForm, IntakeForm, WindowFilterForm
from linli.services.models import ApplicationStatus, ExcludedTask, ServiceItem
from linli.services.views.common import refused, staff_only


def _check(request: AuthedHttpRequest) -> CheckForm:
    form = CheckForm(request.POST)
    form.is_valid()
    text = form.cleaned_data.get("task", "")
    try:
        services.check_not_excluded(text, field="task")
    except ValidationError as exc:
        refused(request, form, exc)
    else:
        messages.success(request, f"“{text}”不在社区工作负面清单内")
    return form


def _intake(request: AuthedHttpRequest) -> tuple[IntakeForm, Any]:
    form = IntakeForm(request.POST, user=request.user)
    if not form.is_valid():
        refused(request, form)
        return form, None
    d = form.cleaned_data
    try:
        app = services.application_submit(
            actor=request.user, item=d["item"], person=d["person"], provided=d["materials"], note=d["note"]
        )
    except (ValidationError, PermissionDenied) as exc:
        refused(request, form, exc)
        return form, None
    messages.success(request, f"已登记办件 {app.number}")
    return form, app


@staff_only
def window(request: AuthedHttpRequest) -> HttpResponse:
    form: Any = None
    action = ActionForm(request.POST).value() if request.method == "POST" else ""
    if action == "check":
        form = _check(request)
        if not form.errors:
            return redirect("services:window")
    elif action == "intake":
        form, app = _intake(request)
        if app is not None:
            return redirect("services:application", pk=app.pk)
    g = WindowFilterForm(request.GET).values()
    return render(
        request,
        "services/window.html",
        {
            "title": "一窗受理",
            "apps": Paginator(selectors.application_list(request.user, status=g["status"]), 30).get_page(
                g["page"]
            ),
            "form": form,
            "items": ServiceItem.objects.filter(active=True),
            "excluded": ExcludedTask.objects.all(),
            "statuses": ApplicationStatus.choices,
            "status": g["status"],
            "tab": "window",
        },
    )


@staff_only
def application(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_list(request.user).filter(pk=pk).prefetch_related("steps").first()
    if app is None:
        raise Http404("办件不存在或不在本账号的数据范围内")
    form = ApplicationActForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        form.is_valid()  # free text and ticks only: always valid
        d = form.cleaned_data
        try:
            done = services.application_act(
                actor=request.user,
                application=app,
                action=d["action"],
                note=d["note"],
                provided=form.provided(),
            )
        except (ValidationError, PermissionDenied) as exc:
            refused(request, form, exc)
        else:
            messages.success(request, f"办件 {done.number}：{done.get_status_display()}")
            return redirect("services:application", pk=pk)
    return render(
        request,
        "services/application.html",
        {
            "title": f"办件 {app.number}",
            "app": app,
            "form": form,
            "materials": [(m, app.materials.get(m, False)) for m in app.item.materials],
            "tab": "window",
        },
    )
