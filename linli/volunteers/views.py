"""The volunteers pages: a resident's own volunteering on the phone (register, sign up, sign in and
out, hours, star level, proofs, time credits), the organiser's activity page (check-in code, hours to
confirm), the staff's lists (volunteers, office registration and hours, teams, time bank, rules) and
the public, login-free page that checks a proof's code."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.errors import Forbidden
from linli.core.forms import add_service_error
from linli.core.links import public_url
from linli.core.models import AuthedHttpRequest
from linli.core.paging import CountedPaginator, bounded_count, search_bound
from linli.core.roles import Role, effective_role
from linli.core.scope import scoped
from linli.regions.models import Level, Region
from linli.registry.models import Person
from linli.registry.selectors import PersonFilter, person_list
from linli.services.models import Need
from linli.volunteers import proof as proof_pdf
from linli.volunteers import selectors, services
from linli.volunteers.forms import (
    ActivityForm,
    ConfirmForm,
    CorrectForm,
    DonateForm,
    DualReportForm,
    MemberForm,
    NoteForm,
    PersonPickForm,
    RecordForm,
    RegisterForm,
    RuleForm,
    SignInForm,
    SignupForm,
    SpendForm,
    TeamForm,
    ThresholdForm,
    VerifyForm,
    error_messages,
)
from linli.volunteers.models import (
    CONSENT_TEXT,
    Account,
    AccountKind,
    Proof,
    ServiceRecord,
    Signup,
    SignupStatus,
    Team,
    TimeBankRule,
    Volunteer,
)

ABSENT = "不存在，或不在本账号的数据范围内"


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.is_staff(request.user):
            raise Forbidden("本页面供社区工作人员使用", code="volunteer.staff_only")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _refused(
    request: HttpRequest, form: forms.Form, exc: ValidationError | PermissionDenied | None = None
) -> None:
    if exc is not None:
        add_service_error(form, exc)
    for m in error_messages(form):
        messages.error(request, m)


def _write(
    request: HttpRequest, form: forms.Form, write: Callable[[], Any], done: Callable[[Any], str]
) -> tuple[bool, Any]:
    """Run one service call when the posted ``form`` is valid; show its refusal on the form otherwise."""
    if not form.is_valid():
        _refused(request, form)
        return False, None
    try:
        result = write()
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, form, exc)
        return False, None
    messages.success(request, done(result))
    return True, result


def _volunteer_in_scope(request: AuthedHttpRequest, pk: int) -> Volunteer:
    v = scoped(Volunteer.objects.select_related("person", "region"), request.user).filter(pk=pk).first()
    if v is None:
        raise Http404(ABSENT)
    return v


def _by_number(request: AuthedHttpRequest, number: str) -> Volunteer | None:
    return (
        scoped(Volunteer.objects.select_related("person", "region"), request.user)
        .filter(number=number.strip().upper())
        .first()
    )


# --- the resident's own ----------------------------------------------------------------------------------


@login_required
def mine(request: AuthedHttpRequest) -> HttpResponse:
    """我的志愿服务: register (with consent) when not yet a volunteer; else hours, star level, signups,
    proofs and time credits."""
    person = request.user.person
    if effective_role(request.user) != Role.RESIDENT or person is None:
        return redirect("volunteers:volunteers") if services.is_staff(request.user) else redirect("home")
    v = selectors.my_volunteer(request.user)
    if v is None:
        form = RegisterForm(request.POST if request.method == "POST" else None)
        if form.is_bound:
            ok, _ = _write(
                request,
                form,
                lambda: services.volunteer_register(actor=request.user, person=person, **form.values()),
                lambda v: f"注册成功！您的志愿者编号是 {v.number}",
            )
            if ok:
                return redirect("volunteers:mine")
        return render(
            request,
            "volunteers/register.html",
            {"title": "注册志愿者", "form": form, "consent_text": CONSENT_TEXT, "person": person},
        )
    account = selectors.person_account(request.user)
    balance, lines = selectors.statement(account, limit=20) if account else (0, [])
    family = (
        [
            (p.pk, p.name)
            for p in Person.objects.filter(household_id=person.household_id).exclude(pk=person.pk)
        ]
        if person.household_id
        else []
    )
    return render(
        request,
        "volunteers/mine.html",
        {
            "title": "我的志愿服务",
            "v": v,
            "star": selectors.star_status(v),
            "new_stars": selectors.unseen_stars(v),
            "signups": selectors.my_signups(v)[:20],
            "records": selectors.records_of(v)[:30],
            "proofs": selectors.proofs_of(v),
            "balance": balance,
            "lines": lines,
            "donate": DonateForm(family=family),
            "dual": DualReportForm(),
            "dual_reports": v.dual_reports.filter(active=True),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def mine_action(request: AuthedHttpRequest, action: str) -> HttpResponse:
    v = selectors.my_volunteer(request.user)
    if v is None:
        raise Http404(ABSENT)
    person = v.person
    if action == "stars_seen":
        services.stars_seen(actor=request.user, volunteer=v)
    elif action == "proof":
        ok, p = _write(
            request,
            forms.Form(request.POST),
            lambda: services.proof_issue(actor=request.user, volunteer=v),
            lambda p: f"已出具志愿服务证明 {p.serial}",
        )
        if ok:
            return redirect("volunteers:proof_pdf", p.pk)
    elif action == "donate":
        family = (
            [
                (p.pk, p.name)
                for p in Person.objects.filter(household_id=person.household_id).exclude(pk=person.pk)
            ]
            if person.household_id
            else []
        )
        form = DonateForm(request.POST, family=family)
        _write(
            request,
            form,
            lambda: services.timebank_donate(
                actor=request.user,
                person=person,
                amount=form.cleaned_data["amount"],
                to=Person.objects.filter(pk=form.cleaned_data["to"]).first()
                if form.cleaned_data["to"]
                else None,
            ),
            lambda m: f"已转赠 {m.amount} 小时",
        )
    elif action == "dual":
        dual = DualReportForm(request.POST)
        _write(
            request,
            dual,
            lambda: services.dual_report_create(
                actor=request.user, volunteer=v, region=v.region, **dual.values()
            ),
            lambda r: f"已向{r.region.name}报到",
        )
    elif action == "withdraw":
        services.volunteer_withdraw(actor=request.user, volunteer=v)
        messages.success(request, "已注销志愿者身份；您的服务记录和证明仍然保留")
    else:
        raise Http404(ABSENT)
    return redirect("volunteers:mine")


# --- activities -----------------------------------------------------------------------------------------


@login_required
def activities(request: AuthedHttpRequest) -> HttpResponse:
    upcoming = list(selectors.activity_list(request.user, upcoming=True)[:50])
    past = (
        []
        if effective_role(request.user) == Role.RESIDENT
        else list(selectors.activity_list(request.user).filter(ends_at__lt=timezone.now())[:30])
    )
    return render(
        request,
        "volunteers/activities.html",
        {
            "title": "志愿活动",
            "upcoming": upcoming,
            "past": past,
            "staff": services.is_staff(request.user),
            "now": timezone.now(),
        },
    )


def _teams_for(request: AuthedHttpRequest) -> Any:
    if services.is_staff(request.user):
        return selectors.team_list(request.user)
    return Team.objects.filter(leader__person_id=request.user.person_id or -1)


@login_required
def activity_new(request: AuthedHttpRequest) -> HttpResponse:
    teams = _teams_for(request)
    if not services.is_staff(request.user) and not teams.exists():
        raise Forbidden("发布活动由社区工作人员或志愿服务队队长办理", code="volunteer.staff_only")
    need = None
    need_id = request.GET.get("need") or request.POST.get("need")
    if need_id and str(need_id).isdigit():
        need = (
            scoped(Need.objects.select_related("category", "region"), request.user)
            .filter(pk=int(need_id))
            .first()
        )
    initial: dict[str, Any] = {}
    if need is not None:
        initial = {
            "title": f"{need.category.name}志愿服务",
            "category": need.category_id,
            "description": need.description[:500],
            "need": need.pk,
        }
    form = ActivityForm(request.POST if request.method == "POST" else None, teams=teams, initial=initial)
    regions = _communities(request)
    if form.is_bound:
        region = _region_from(request, regions, form)
        ok, a = _write(
            request,
            form,
            lambda: services.activity_create(actor=request.user, region=region, need=need, **form.values()),
            lambda a: f"已发布“{a.title}”",
        )
        if ok:
            return redirect("volunteers:activity", a.pk)
    return render(
        request,
        "volunteers/activity_form.html",
        {"title": "发布志愿活动", "form": form, "need": need, "regions": regions},
    )


def _communities(request: AuthedHttpRequest) -> list[Region]:
    qs = Region.objects.current().filter(level=Level.COMMUNITY)
    if services.is_staff(request.user):
        return list(scoped(qs, request.user).order_by("code")[:300])
    return list(
        qs.filter(
            pk__in=Team.objects.filter(leader__person_id=request.user.person_id or -1).values("region_id")
        )
    )


def _region_from(request: AuthedHttpRequest, regions: list[Region], form: ActivityForm) -> Region:
    team = form.cleaned_data.get("team") if form.is_valid() else None
    if team is not None:
        return team.region
    code = request.POST.get("region", "")
    for r in regions:
        if r.code == code:
            return r
    if len(regions) == 1:
        return regions[0]
    region = request.user.region
    if region is None:
        raise Http404(ABSENT)
    return region


@login_required
def activity(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    a = selectors.activity_get(request.user, pk)
    if a is None:
        raise Http404(ABSENT)
    organiser = services.can_organise(request.user, a)
    v = selectors.my_volunteer(request.user)
    mine = (
        Signup.objects.filter(activity=a, volunteer=v, status=SignupStatus.SIGNED_UP)
        .select_related("position")
        .first()
        if v
        else None
    )
    my_record = ServiceRecord.objects.filter(signup=mine, corrected_by__isnull=True).first() if mine else None
    return render(
        request,
        "volunteers/activity.html",
        {
            "title": a.title,
            "a": a,
            "positions": selectors.positions_of(a),
            "organiser": organiser,
            "participants": list(selectors.signups_of(a)) if organiser else [],
            "v": v,
            "mine": mine,
            "my_record": my_record,
            "now": timezone.now(),
            "resident": effective_role(request.user) == Role.RESIDENT,
        },
    )


@login_required
@require_POST
def activity_action(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    a = selectors.activity_get(request.user, pk)
    if a is None:
        raise Http404(ABSENT)
    v = selectors.my_volunteer(request.user)
    mine = (
        Signup.objects.filter(activity=a, volunteer=v, status=SignupStatus.SIGNED_UP).first() if v else None
    )
    if action == "signup":
        if v is None:
            messages.error(request, "请先注册为志愿者")
            return redirect("volunteers:mine")
        form: forms.Form = SignupForm(request.POST)
        position = (
            a.positions.filter(pk=request.POST.get("position") or 0).first()
            if request.POST.get("position", "").isdigit()
            else None
        )
        if position is None:
            messages.error(request, "请选择岗位")
        else:
            _write(
                request,
                form,
                lambda: services.signup_create(
                    actor=request.user, activity=a, volunteer=v, position=position
                ),
                lambda s: "报名成功，活动当天请到现场签到",
            )
    elif action in ("signin", "signout", "cancel"):
        if mine is None:
            messages.error(request, "您没有报名本活动")
        elif action == "signin":
            form = SignInForm(request.POST)
            _write(
                request,
                form,
                lambda: services.signup_sign_in(
                    actor=request.user,
                    signup=mine,
                    code=form.cleaned_data["code"] or "",
                    lat=form.cleaned_data["lat"],
                    lon=form.cleaned_data["lon"],
                ),
                lambda s: f"签到成功（{timezone.localtime(s.signed_in_at):%H:%M}）",
            )
        elif action == "signout":
            _write(
                request,
                forms.Form(request.POST),
                lambda: services.signup_sign_out(actor=request.user, signup=mine),
                lambda s: f"签退成功（{timezone.localtime(s.signed_out_at):%H:%M}），时长待组织者确认",
            )
        else:
            _write(
                request,
                forms.Form(request.POST),
                lambda: services.signup_cancel(actor=request.user, signup=mine),
                lambda s: "已取消报名",
            )
    elif action in ("confirm", "office_signin", "office_signout"):
        form = ConfirmForm(request.POST)
        signup = (
            Signup.objects.filter(activity=a, pk=request.POST.get("signup") or 0)
            .select_related("volunteer__person", "position", "activity")
            .first()
            if request.POST.get("signup", "").isdigit()
            else None
        )
        if signup is None:
            raise Http404(ABSENT)
        if action == "confirm":
            _write(
                request,
                form,
                lambda: services.hours_confirm(
                    actor=request.user,
                    signup=signup,
                    started_at=form.cleaned_data["started_at"],
                    ended_at=form.cleaned_data["ended_at"],
                ),
                lambda r: f"已确认 {signup.volunteer.masked_name} 的服务时长 {r.hours} 小时",
            )
        elif action == "office_signin":
            _write(
                request,
                form,
                lambda: services.signup_sign_in(actor=request.user, signup=signup),
                lambda s: f"已为 {signup.volunteer.masked_name} 签到",
            )
        else:
            _write(
                request,
                form,
                lambda: services.signup_sign_out(actor=request.user, signup=signup),
                lambda s: f"已为 {signup.volunteer.masked_name} 签退",
            )
    elif action == "cancel_activity":
        _write(
            request,
            forms.Form(request.POST),
            lambda: services.activity_cancel(actor=request.user, activity=a),
            lambda _a: "活动已取消",
        )
    else:
        raise Http404(ABSENT)
    return redirect("volunteers:activity", a.pk)


# --- staff: volunteers, office mode, teams, time bank, rules ----------------------------------------------


@staff_only
def volunteers(request: AuthedHttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "")[:40]
    rows = selectors.volunteer_list(request.user, q=q)
    # a city's 4 M volunteers are not counted for a pager (nor their hours, which only the page shows)
    n, more = bounded_count(rows.values("pk"), search_bound(q))
    page = CountedPaginator(rows, 30, count=n, more=more).get_page(request.GET.get("page"))
    return render(request, "volunteers/volunteers.html", {"title": "注册志愿者", "page": page, "q": q})


@staff_only
def office_register(request: AuthedHttpRequest) -> HttpResponse:
    """Office mode: find the resident in the registry, then register them on their behalf."""
    q = (request.GET.get("q") or "")[:40]
    hits = list(person_list(user=request.user, filters=PersonFilter(q=q))[:20]) if q else []
    person = None
    pid = request.POST.get("person") or request.GET.get("person")
    if pid and str(pid).isdigit():
        person = person_list(user=request.user).filter(pk=int(pid)).first()
        if person is None:
            raise Http404(ABSENT)
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if form.is_bound and person is not None:
        ok, v = _write(
            request,
            form,
            lambda: services.volunteer_register(actor=request.user, person=person, **form.values()),
            lambda v: f"已为 {v.masked_name} 登记为志愿者（编号 {v.number}）",
        )
        if ok:
            return redirect("volunteers:volunteer", v.pk)
    registered = set(Volunteer.objects.filter(person__in=hits).values_list("person_id", flat=True))
    return render(
        request,
        "volunteers/office_register.html",
        {
            "title": "代为登记志愿者",
            "q": q,
            "hits": hits,
            "registered": registered,
            "person": person,
            "form": form,
            "consent_text": CONSENT_TEXT,
            "pick": PersonPickForm(),
        },
    )


@staff_only
def volunteer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    v = _volunteer_in_scope(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "record":
            form: forms.Form = RecordForm(request.POST)
            _write(
                request,
                form,
                lambda: services.record_add(actor=request.user, volunteer=v, **form.cleaned_data),
                lambda r: f"已记录 {r.hours} 小时",
            )
        elif action == "correct":
            form = CorrectForm(request.POST)
            rec = (
                ServiceRecord.objects.filter(volunteer=v, pk=request.POST.get("record") or 0).first()
                if request.POST.get("record", "").isdigit()
                else None
            )
            if rec is None:
                raise Http404(ABSENT)
            _write(
                request,
                form,
                lambda: services.record_correct(
                    actor=request.user,
                    record=rec,
                    reason=form.cleaned_data["reason"],
                    started_at=form.cleaned_data["started_at"],
                    ended_at=form.cleaned_data["ended_at"],
                    void=form.cleaned_data["void"],
                ),
                lambda r: f"已更正：现计 {r.hours} 小时",
            )
        elif action == "note":
            form = NoteForm(request.POST)
            _write(
                request,
                form,
                lambda: services.note_add(actor=request.user, volunteer=v, **form.cleaned_data),
                lambda n: f"已记录{n.get_kind_display()}",
            )
        elif action == "proof":
            ok, p = _write(
                request,
                forms.Form(request.POST),
                lambda: services.proof_issue(actor=request.user, volunteer=v),
                lambda p: f"已出具志愿服务证明 {p.serial}",
            )
        else:
            raise Http404(ABSENT)
        return redirect("volunteers:volunteer", v.pk)
    return render(
        request,
        "volunteers/volunteer.html",
        {
            "title": f"志愿者 {v.masked_name}",
            "v": v,
            "star": selectors.star_status(v),
            "records": selectors.records_of(v)[:50],
            "proofs": selectors.proofs_of(v),
            "notes": v.notes.all()[:20],
            "teams": v.teams.all(),
            "record_form": RecordForm(),
            "note_form": NoteForm(),
        },
    )


@staff_only
def teams(request: AuthedHttpRequest) -> HttpResponse:
    form = TeamForm(request.POST if request.method == "POST" else None)
    regions = _communities(request)
    if form.is_bound:
        code = request.POST.get("region", "")
        region = next((r for r in regions if r.code == code), None)
        leader = _by_number(request, form.data.get("leader", "")) if form.data.get("leader") else None
        if region is None:
            messages.error(request, "请选择所属社区")
        elif form.data.get("leader") and leader is None:
            messages.error(request, "队长的志愿者编号不存在")
        else:
            ok, t = _write(
                request,
                form,
                lambda: services.team_create(
                    actor=request.user,
                    region=region,
                    name=form.cleaned_data["name"],
                    party_team=form.cleaned_data["party_team"],
                    leader=leader,
                    description=form.cleaned_data["description"],
                ),
                lambda t: f"已成立“{t.name}”",
            )
            if ok:
                return redirect("volunteers:team", t.pk)
    code = (request.GET.get("region") or "")[:12]  # a grid's page leads to its community's teams
    place = (
        scoped(Region.objects.current(), request.user).filter(code=code).first() if code.isdigit() else None
    )
    if code and place is None:
        raise Http404(ABSENT)
    rows = list(selectors.team_list(request.user, region=place)[:300])
    have_party = {t.region.code for t in rows if t.party_team}
    if place is not None:
        regions = [r for r in regions if r.code.startswith(place.code)]
    missing = [r for r in regions if r.code not in have_party]
    return render(
        request,
        "volunteers/teams.html",
        {
            "title": f"{place.name}志愿服务队" if place else "志愿服务队",
            "rows": rows,
            "form": form,
            "regions": regions,
            "missing": missing,
            "place": place,
            "party_teams": [t for t in rows if t.party_team],
            "communities": len(regions),
            "covered": len(regions) - len(missing),
        },
    )


@staff_only
def team(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t = selectors.team_list(request.user).filter(pk=pk).first()
    if t is None:
        raise Http404(ABSENT)
    form = MemberForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        v = _by_number(request, form.data.get("volunteer", ""))
        if v is None:
            messages.error(request, "志愿者编号不存在，或不在本账号的数据范围内")
        else:
            _write(
                request,
                form,
                lambda: services.team_member_add(actor=request.user, team=t, volunteer=v),
                lambda m: f"{v.masked_name} 已加入",
            )
        return redirect("volunteers:team", t.pk)
    members = t.memberships.select_related("volunteer__person").order_by("joined_at")
    return render(
        request, "volunteers/team.html", {"title": t.name, "t": t, "members": members, "form": form}
    )


@staff_only
def timebank(request: AuthedHttpRequest) -> HttpResponse:
    form = SpendForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        v = _by_number(request, form.data.get("volunteer", ""))
        if v is None:
            messages.error(request, "志愿者编号不存在，或不在本账号的数据范围内")
        else:
            _write(
                request,
                form,
                lambda: services.timebank_spend(
                    actor=request.user,
                    person=v.person,
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                ),
                lambda m: f"已兑换 {m.amount} 小时",
            )
        return redirect("volunteers:timebank")
    dual = list(selectors.dual_reports(request.user)[:30])
    year = timezone.localdate().year
    return render(
        request,
        "volunteers/timebank.html",
        {
            "title": "时间银行",
            "form": form,
            "pools": selectors.pool_balances(request.user),
            "dual": [(r, selectors.hours_for_work_unit(r, year)) for r in dual],
            "year": year,
        },
    )


@login_required
def statement(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    acc = Account.objects.select_related("person", "region").filter(pk=pk).first()
    if acc is None:
        raise Http404(ABSENT)
    own = acc.kind == AccountKind.PERSON and acc.person_id == request.user.person_id
    if not own:
        if not services.is_staff(request.user):
            raise Http404(ABSENT)
        if acc.person_id:
            if not scoped(Person.objects.filter(pk=acc.person_id), request.user).exists():
                raise Http404(ABSENT)
        elif not scoped(Region.objects.filter(pk=acc.region_id), request.user).exists():
            raise Http404(ABSENT)
    balance, lines = selectors.statement(acc)
    return render(
        request,
        "volunteers/statement.html",
        {"title": "时间银行对账单", "acc": acc, "balance": balance, "lines": lines},
    )


@login_required
def settings_page(request: AuthedHttpRequest) -> HttpResponse:
    if effective_role(request.user) not in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):
        raise Forbidden("星级标准与时间银行规则由区级管理员维护", code="volunteer.district_only")
    region = (
        request.user.region or Region.objects.current().filter(level=Level.DISTRICT).order_by("code").first()
    )
    if region is None:
        raise Http404(ABSENT)
    th = services.thresholds_for(region)
    tform = ThresholdForm(
        request.POST if request.POST.get("action") == "stars" else None,
        initial={f"star{i}": h for i, h in enumerate(th, 1)},
    )
    rule = TimeBankRule.objects.filter(region=region).first()
    rform = RuleForm(
        request.POST if request.POST.get("action") == "rule" else None,
        initial={
            "overdraft_limit": rule.overdraft_limit if rule else 0,
            "expire_after_months": rule.expire_after_months if rule else 0,
        },
    )
    if tform.is_bound:
        ok, _ = _write(
            request,
            tform,
            lambda: services.star_thresholds_set(actor=request.user, region=region, hours=tform.hours()),
            lambda _r: "星级标准已保存",
        )
        if ok:
            return redirect("volunteers:settings")
    if rform.is_bound:
        ok, _ = _write(
            request,
            rform,
            lambda: services.timebank_rule_set(actor=request.user, region=region, **rform.cleaned_data),
            lambda _r: "时间银行规则已保存",
        )
        if ok:
            return redirect("volunteers:settings")
    return render(
        request,
        "volunteers/settings.html",
        {"title": "星级与时间银行规则", "region": region, "tform": tform, "rform": rform},
    )


# --- proofs -------------------------------------------------------------------------------------------------


@login_required
def proof_download(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    p = Proof.objects.select_related("volunteer__person", "volunteer__region").filter(pk=pk).first()
    if p is None:
        raise Http404(ABSENT)
    if p.volunteer.person_id != request.user.person_id and (
        not services.is_staff(request.user)
        or not scoped(Volunteer.objects.filter(pk=p.volunteer_id), request.user).exists()
    ):
        raise Http404(ABSENT)
    try:
        data = proof_pdf.render(p, verify_url=public_url(request, reverse("volunteers:verify")))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("volunteers:mine")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{p.serial}.pdf"'
    return response


def verify(request: HttpRequest) -> HttpResponse:
    """查验志愿服务证明: public, no login. Shows only the masked name, the hours, the serial and the
    issuing unit and date — nothing else of the person."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    proof = None
    if form.is_bound and form.is_valid():
        proof = selectors.proof_by_code(form.cleaned_data["code"])
        if proof is None:
            form.add_error(
                "code", ValidationError("没有这个验证码对应的证明，请核对后重试", code="proof.code_unknown")
            )
    return render(
        request,
        "volunteers/verify.html",
        {"title": "查验志愿服务证明", "form": form, "proof": proof},
        status=404 if form.is_bound and proof is None and form.errors else 200,
    )
