from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.forms import add_service_error
from linli.core.models import AuthedHttpRequest
from linli.core.paging import CountedPaginator
from linli.core.scope import scoped
from linli.core.services import EXPORT_PERMISSION, REVEAL_PERMISSION, personal_reveal
from linli.regions.models import Level, Region
from linli.registry import services
from linli.registry.engine import rows as rowcheck
from linli.registry.forms import (
    ListFilterForm,
    PersonFilterForm,
    PersonForm,
    PersonPrefillForm,
    RevealForm,
    StatusChangeForm,
    TagForm,
)
from linli.registry.models import Person, PersonStatus, PersonTag, ResidenceType, StatusEventKind
from linli.registry.selectors import (
    TAG_FILTERS,
    person_detail,
    person_list,
    person_list_count,
    person_tags_display,
)
from linli.registry.views.common import can_write, is_htmx, require_reader, require_writer


@login_required
def persons(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    f = PersonFilterForm(request.GET).to_filter()
    qs = person_list(user=request.user, filters=f).prefetch_related("tags")
    counted = person_list_count(user=request.user, filters=f)
    pager = CountedPaginator(qs, 30, count=counted.n, more=counted.more)
    page = pager.get_page(ListFilterForm(request.GET).values()["page"])
    today = timezone.localdate()
    rows = [(p, person_tags_display(p, today)) for p in page]
    ctx = {
        "title": "人员",
        "page": page,
        "rows": rows,
        "f": f,
        "tags": TAG_FILTERS,
        "residence_types": ResidenceType.choices,
        "statuses": PersonStatus.choices,
        "regions": scoped(
            Region.objects.current().filter(level__in=[Level.STREET, Level.COMMUNITY]), request.user
        )
        .order_by("code")
        .values_list("code", "name", "level"),  # no Region objects, no outlines: a city has 3 000
        "can_write": can_write(request),
        "can_export": request.user.has_perm(EXPORT_PERMISSION),
        "can_reveal": request.user.has_perm(REVEAL_PERMISSION),
        "query": request.GET.urlencode(),
    }
    return render(request, "registry/_person_rows.html" if is_htmx(request) else "registry/persons.html", ctx)


def _person_or_404(request: AuthedHttpRequest, pk: int) -> Person:
    try:
        return person_detail(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise Http404("人员不存在或不在本账号的数据范围内") from None


def _refusal_text(exc: Exception) -> str:
    """A service's refusal as one line for a message on the next page."""
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@login_required
def person(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    require_reader(request)
    p = _person_or_404(request, pk)
    members = (
        scoped(Person.objects.filter(household_id=p.household_id).exclude(pk=p.pk), request.user)
        if p.household_id
        else []
    )
    return render(
        request,
        "registry/person.html",
        {
            "title": p.name,
            "p": p,
            "members": members,
            "tags_now": person_tags_display(p),
            "all_tags": p.tags.all(),
            "today": timezone.localdate(),
            "tag_form": TagForm(),
            "status_events": p.status_events.select_related("by"),
            "status_form": StatusChangeForm(
                initial={
                    "on": timezone.localdate(),
                    "kind": StatusEventKind.MOVED_IN
                    if p.status == PersonStatus.MOVED_OUT
                    else StatusEventKind.MOVED_OUT,
                }
            ),
            "can_write": can_write(request),
            "can_reveal": request.user.has_perm(REVEAL_PERMISSION),
        },
    )


@login_required
@require_POST
def person_reveal(request: AuthedHttpRequest, pk: int, field: str) -> HttpResponse:
    """htmx: reveal one full value after a reason is given; the service writes the audit record."""
    require_reader(request)
    p = _person_or_404(request, pk)
    form = RevealForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    ctx: dict[str, object] = {"p": p, "field": field, "reason": reason}
    try:
        ctx["value"] = personal_reveal(actor=request.user, obj=p, field=field, reason=reason, request=request)
    except PermissionDenied as exc:
        ctx["error"] = str(exc) or "没有权限"
    except ValidationError as exc:
        ctx["error"] = "；".join(m for ms in exc.message_dict.values() for m in ms)
    return render(request, "registry/_reveal.html", ctx)


@login_required
def person_edit(request: AuthedHttpRequest, pk: int | None = None, newborn: bool = False) -> HttpResponse:
    """登记人员 / 编辑人员; ``newborn``: 新生儿登记 (the person is recorded with a 新生儿登记 event)."""
    require_writer(request)
    p = _person_or_404(request, pk) if pk else None
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            data = {k: (v or "") for k, v in form.cleaned_data.items()}
            try:
                if p is None and newborn:
                    p = services.person_birth_register(by=request.user, data=data)
                    messages.success(request, f"已登记新生儿 {p.name}")
                elif p is None:
                    p = services.person_create(by=request.user, data=data)
                    messages.success(request, f"已登记 {p.name}")
                else:  # a blank ID or phone on the edit form means "unchanged" (the form never shows them)
                    data = {k: v for k, v in data.items() if v or k not in ("id_number", "phone")}
                    p = services.person_update(by=request.user, person=p, data=data)
                    messages.success(request, f"已保存 {p.name} 的信息")
                return redirect("registry:person", pk=p.pk)
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc)
    elif p is not None:
        inv_rel = {v: k for k, v in reversed(list(rowcheck.RELATIONS.items()))}
        form = PersonForm(
            initial={
                "name": p.name,
                "sex": p.get_sex_display(),
                "birth_date": p.birth_date.isoformat(),
                "phone": "",
                "household_code": p.household.code if p.household is not None else "",
                "relation": inv_rel.get(p.relation, ""),
                "residence_type": p.get_residence_type_display(),
                "ethnicity": p.ethnicity,
                "region_code": "" if p.household_id else p.region.code,
                "note": p.note,
            }
        )
    else:
        prefill = PersonPrefillForm(request.GET).values()  # from a household's or a region's page
        form = PersonForm(
            initial={
                "residence_type": "户籍",
                "ethnicity": "汉族",
                "household_code": prefill["household"],
                "region_code": prefill["region"],
            }
        )
    return render(
        request,
        "registry/person_form.html",
        {"title": "编辑人员" if p else ("新生儿登记" if newborn else "登记人员"), "form": form, "p": p},
    )


@login_required
@require_POST
def person_tag_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    require_reader(request)
    p = _person_or_404(request, pk)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.person_tag_add(by=request.user, person=p, **form.cleaned_data)
            messages.success(request, "已添加标签")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _refusal_text(exc))
    else:
        messages.error(
            request,
            "；".join(
                f"{form.fields[k].label}：{' '.join(map(str, v))}"
                for k, v in form.errors.items()
                if k in form.fields
            )
            or "标签信息不完整",
        )
    return redirect("registry:person", pk=p.pk)


@login_required
@require_POST
def person_status_change(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """迁出 / 迁入 / 死亡 from the person page: the same service as the API."""
    require_writer(request)
    p = _person_or_404(request, pk)
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        try:
            event = services.person_status_change(by=request.user, person=p, **form.cleaned_data)
            messages.success(request, f"已登记{p.name}{event.get_kind_display()}（{event.on:%Y-%m-%d}）")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _refusal_text(exc))
    else:
        messages.error(
            request,
            "；".join(f"{form.fields[k].label}：{' '.join(map(str, v))}" for k, v in form.errors.items())
            or "变更信息不完整",
        )
    return redirect("registry:person", pk=p.pk)


@login_required
@require_POST
def person_tag_end(request: AuthedHttpRequest, pk: int, tag_id: int) -> HttpResponse:
    require_reader(request)
    p = _person_or_404(request, pk)
    tag = PersonTag.objects.filter(person=p, pk=tag_id).first()
    if tag is None:
        raise Http404("标签不存在")
    try:
        services.person_tag_end(by=request.user, tag=tag, valid_to=timezone.localdate())
        messages.success(request, f"已结束标签“{tag}”")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    return redirect("registry:person", pk=p.pk)
