"""Pages of 议事协商: the staff's topics, meetings, votes and board; the resident's phone pages (raise,
support, vote, comment); and the public, login-free notice board of each community with its printable
page and Atom feed (村(居)务公开: no personal data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_POST

from linli.cases.selectors import visible_cases
from linli.core.forms import add_service_error
from linli.core.models import User
from linli.core.roles import Role, effective_role
from linli.core.scope import subtree_q
from linli.deliberation import forms as f
from linli.deliberation import selectors, services
from linli.deliberation.engine import rules
from linli.deliberation.engine.redact import mask_name, personal_data_in
from linli.deliberation.models import (
    Body,
    Comment,
    Meeting,
    MeetingRecord,
    Notice,
    NoticeKind,
    ProcedureStep,
    RecordKind,
    Resolution,
    Topic,
    TopicStatus,
    Vote,
    VoteStatus,
)
from linli.facilities.models import Facility
from linli.regions.models import Level, Region
from linli.registry.models import Building

STAFF = frozenset({Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})


def nav_section(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.RESIDENT:
        return [("deliberation:resident", "社区议事")]
    if role in STAFF:
        return [("deliberation:topics", "议事协商"), ("deliberation:board_admin", "村（居）务公开")]
    return []


def _staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if effective_role(user) not in STAFF:
        raise Http404("没有找到该页面")
    return user


def _topic(request: HttpRequest, number: str) -> Topic:
    topic = selectors.topic_for(request.user, number)
    if topic is None:
        raise Http404("没有找到该议题")
    return topic


def _refused(request: HttpRequest, form: Any, exc: ValidationError | PermissionDenied) -> None:
    add_service_error(form, exc)
    for e in form.non_field_errors():
        messages.error(request, e)
    for name, errs in form.errors.items():
        if name != "__all__":
            for e in errs:
                messages.error(request, f"{form.fields[name].label}：{e}" if name in form.fields else e)


def _building(code: str, region: Region) -> Building | None:
    code = (code or "").strip()
    if not code:
        return None
    return Building.objects.filter(code=code, region__code__startswith=region.code).first()


# --- staff ------------------------------------------------------------------------------------------


@login_required
def topics(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    status = request.GET.get("status", "")
    qs = selectors.topics_visible(user)
    if status in TopicStatus.values:
        qs = qs.filter(status=status)
    rows = list(qs[:200])
    waiting = [t for t in rows if t.status == TopicStatus.COLLECTING and t.threshold_reached_at]
    communities = list(selectors.communities_below(user)[:200])
    setting_form = None
    if user.region is not None and user.region.level == Level.COMMUNITY:
        threshold, limit = selectors.settings_for(user.region)
        setting_form = f.SettingForm(initial={"support_threshold": threshold, "proxy_limit": limit})
    figures = (
        selectors.execution_figures(user.region_code) if user.region_id else selectors.execution_figures("")
    )
    return render(
        request,
        "deliberation/topics.html",
        {
            "title": "议事协商",
            "rows": rows,
            "waiting": waiting,
            "status": status,
            "statuses": TopicStatus.choices,
            "setting_form": setting_form,
            "figures": figures,
            "rate": (100 * figures["executed"] / figures["made"]) if figures["made"] else None,
            "n_communities": len(communities),
        },
    )


@login_required
@require_POST
def setting(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = f.SettingForm(request.POST)
    if form.is_valid() and user.region is not None:
        try:
            services.setting_save(region=user.region, by=user, **form.cleaned_data)
            messages.success(request, "议事规则设置已保存")
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, form, exc)
    else:
        _refused(request, form, ValidationError("请填写有效的数字"))
    return redirect("deliberation:topics")


def _region_choices(user: User) -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in selectors.communities_below(user)[:500]]


@login_required
def topic_new(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    choices = _region_choices(user)
    form = f.StaffTopicForm(request.POST or None, regions=choices)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = Region.objects.get(code=d["region"])
        try:
            topic = services.topic_raise(
                by=user,
                title=d["title"],
                description=d["description"],
                scope=d["scope"],
                building=_building(d["building"], region),
                region=region,
                procedure=d["procedure"],
            )
            messages.success(request, f"议题 {topic.number} 已发起")
            return redirect("deliberation:topic", topic.number)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    return render(request, "deliberation/topic_new.html", {"title": "发起议题", "form": form})


@login_required
def from_case(request: HttpRequest) -> HttpResponse:
    """从诉求发起议题: the requests in the account's scope that may need a collective decision."""
    user = _staff(request)
    q = request.GET.get("q", "").strip()[:40]
    cases = visible_cases(user).select_related("category", "region").order_by("-received_at")
    if q:
        cases = cases.filter(description__contains=q)
    taken = set(Topic.objects.filter(case__isnull=False).values_list("case_id", flat=True))
    rows = [c for c in cases[:30] if c.pk not in taken]
    form = f.FromCaseForm(request.POST or None, initial={"case": request.GET.get("case", "")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        case = visible_cases(user).filter(number=d["case"]).select_related("region").first()
        if case is None:
            form.add_error("case", "没有找到该诉求，或不在本账号范围内")
        else:
            region = Region.objects.filter(code=case.region.code[:12]).first() or case.region
            try:
                topic = services.topic_from_case(
                    by=user,
                    case=case,
                    title=d["title"],
                    scope=d["scope"],
                    building=_building(d["building"], region),
                    procedure=d["procedure"],
                )
                messages.success(request, f"已由诉求 {case.number} 发起议题 {topic.number}")
                return redirect("deliberation:topic", topic.number)
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc)
    return render(
        request,
        "deliberation/from_case.html",
        {"title": "从诉求发起议题", "form": form, "rows": rows, "q": q},
    )


def _meeting_choices(topic: Topic) -> list[tuple[int, str]]:
    return [
        (
            m.pk,
            f"{m.get_body_display()} {timezone.localtime(m.starts_at):%Y-%m-%d}{'' if m.signed_at else '（未签署）'}",
        )
        for m in topic.meetings.all()
    ]


@login_required
def topic(request: HttpRequest, number: str) -> HttpResponse:
    user = request.user
    t = _topic(request, number)
    if effective_role(user) not in STAFF:
        return redirect("deliberation:resident_topic", number)
    position = selectors.topic_position(t)
    nxt = next((v.step for v in position if v.current), None)
    facilities = [
        (x.pk, x.name)
        for x in Facility.objects.filter(subtree_q(t.region.code[:9], "region__code")).order_by("name")[:100]
    ]
    meeting_form = f.MeetingForm(
        facilities=facilities,
        initial={"body": nxt.body if nxt and nxt.body else Body.COUNCIL},
        auto_id="mt_%s",
    )
    resolutions = list(t.resolutions.select_related("responsible").prefetch_related("reports"))
    return render(
        request,
        "deliberation/topic.html",
        {
            "title": t.title,
            "t": t,
            "position": position,
            "next": nxt,
            "step_form": f.StepForm(meetings=_meeting_choices(t), auto_id="step_%s"),
            "accept_form": f.AcceptForm(auto_id="acc_%s"),
            "meeting_form": meeting_form,
            "meetings": list(t.meetings.select_related("facility").order_by("starts_at")),
            "votes": list(t.votes.order_by("created_at")),
            "resolutions": resolutions,
            "progress_form": f.ProgressForm(auto_id="pg_%s"),
            "notices": list(Notice.objects.filter(resolution__topic=t).order_by("posted_on")),
            "supports": t.supports,
        },
    )


@login_required
@require_POST
def topic_accept(request: HttpRequest, number: str) -> HttpResponse:
    user = _staff(request)
    t = _topic(request, number)
    form = f.AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.topic_accept(topic=t, by=user, procedure=form.cleaned_data["procedure"])
            messages.success(request, "议题已受理，进入议事程序")
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, form, exc)
    return redirect("deliberation:topic", number)


@login_required
@require_POST
def step(request: HttpRequest, number: str, order: int) -> HttpResponse:
    user = _staff(request)
    t = _topic(request, number)
    form = f.StepForm(request.POST, meetings=_meeting_choices(t))
    st = ProcedureStep.objects.filter(procedure_id=t.procedure_id or 0, order=order).first()
    if st is None:
        raise Http404("没有该步骤")
    if form.is_valid():
        meeting = (
            t.meetings.filter(pk=form.cleaned_data["meeting"]).first()
            if form.cleaned_data["meeting"]
            else None
        )
        try:
            services.step_record(topic=t, step=st, by=user, note=form.cleaned_data["note"], meeting=meeting)
            messages.success(request, f"已记录“{st.name}”")
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, form, exc)
    else:
        _refused(request, form, ValidationError("请检查填写的内容"))
    return redirect("deliberation:topic", number)


@login_required
@require_POST
def meeting_new(request: HttpRequest, number: str) -> HttpResponse:
    user = _staff(request)
    t = _topic(request, number)
    facilities = [
        (x.pk, x.name) for x in Facility.objects.filter(subtree_q(t.region.code[:9], "region__code"))[:100]
    ]
    form = f.MeetingForm(request.POST, facilities=facilities)
    if form.is_valid():
        d = form.cleaned_data
        facility = Facility.objects.filter(pk=d["facility"]).first() if d["facility"] else None
        try:
            m = services.meeting_call(
                topic=t,
                by=user,
                body=d["body"],
                agenda=d["agenda"],
                starts_at=d["starts_at"],
                members=d["members"],
                quorum=d["quorum"],
                facility=facility,
                place=d["place"],
            )
            messages.success(request, "会议已召集，请登记签到")
            return redirect("deliberation:meeting", m.pk)
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, form, exc)
    else:
        _refused(request, form, ValidationError("请检查会议信息"))
    return redirect("deliberation:topic", number)


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    m = Meeting.objects.select_related("topic__region", "facility", "signed_by").filter(pk=pk).first()
    if m is None or selectors.topic_for(request.user, m.topic.number) is None:
        raise Http404("没有找到该会议")
    return m


@login_required
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    m = _meeting(request, pk)
    attendance = list(m.attendance.select_related("person", "proxy"))
    votes = list(m.votes.all()) + list(m.topic.votes.filter(meeting__isnull=True, status=VoteStatus.CLOSED))
    people = _responsible_choices(m) or [(user.pk, str(user))]
    records = _numbered_records(m)
    return render(
        request,
        "deliberation/meeting.html",
        {
            "title": f"{m.get_body_display()}",
            "m": m,
            "attendance": attendance,
            "quorum": selectors.quorum_verdict(m),
            "records": records,
            "attend_form": f.AttendanceForm(auto_id="att_%s"),
            "record_form": f.RecordForm(auto_id="rec_%s"),
            "correction_form": f.CorrectionForm(records=_record_choices(records), auto_id="cor_%s"),
            "vote_form": f.VoteForm(auto_id="vote_%s"),
            "resolution_form": f.ResolutionForm(
                people=people,
                votes=[
                    (v.pk, f"{v.question}（{'通过' if v.passed else '未通过'}）")
                    for v in votes
                    if v.status == VoteStatus.CLOSED
                ],
                initial={"responsible": user.pk},
                auto_id="res_%s",
            ),
            "votes": votes,
            "resolutions": list(m.resolutions.all()),
        },
    )


def _numbered_records(m: Meeting) -> list[MeetingRecord]:
    """The meeting's history in order, each record given its number (第 n 条), the number of the record a
    correction corrects (``corrects_no``) and the numbers of the corrections made to it (``corrected_by``)."""
    records = list(m.records.select_related("by"))
    no = {r.pk: i for i, r in enumerate(records, start=1)}
    for r in records:
        r.no = no[r.pk]  # type: ignore[attr-defined]
        r.corrects_no = no.get(r.corrects_id) if r.corrects_id else None  # type: ignore[attr-defined]
        r.corrected_by = [no[c.pk] for c in records if c.corrects_id == r.pk]  # type: ignore[attr-defined]
    return records


def _record_choices(records: list[MeetingRecord]) -> list[tuple[int, str]]:
    def short(text: str) -> str:
        return text if len(text) <= 24 else text[:24] + "…"

    return [(r.pk, f"第{r.no}条 {r.get_kind_display()}：{short(r.text)}") for r in records]  # type: ignore[attr-defined]


@login_required
@require_POST
def meeting_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _staff(request)
    m = _meeting(request, pk)
    form: Any
    try:
        if action == "attend":
            form = f.AttendanceForm(request.POST)
            if form.is_valid():
                person, why = selectors.person_named(m.topic.region, form.cleaned_data["name"])
                if person is None:
                    raise services.invalid("name", why, "meeting.attended")
                proxy = None
                if form.cleaned_data["proxy_name"]:
                    proxy, why = selectors.person_named(m.topic.region, form.cleaned_data["proxy_name"])
                    if proxy is None:
                        raise services.invalid("proxy_name", why, "meeting.proxy_absent")
                services.attendance_record(meeting=m, by=user, person=person, proxy=proxy)
                messages.success(
                    request, f"已签到：{person.name}" + (f"（委托{proxy.name}）" if proxy else "")
                )
        elif action == "record":
            form = f.RecordForm(request.POST)
            if form.is_valid():
                services.meeting_record_add(
                    meeting=m, by=user, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"]
                )
                messages.success(request, "已追加记录")
        elif action == "correct":
            records = _numbered_records(m)
            form = f.CorrectionForm(request.POST, records=_record_choices(records))
            if form.is_valid():
                old = next(r for r in records if r.pk == form.cleaned_data["corrects"])
                services.meeting_record_add(
                    meeting=m,
                    by=user,
                    kind=RecordKind.CORRECTION,
                    text=form.cleaned_data["text"],
                    corrects=old,
                )
                messages.success(request, f"已追加更正（更正第{old.no}条记录）")  # type: ignore[attr-defined]
        elif action == "sign":
            form = f.RecordForm()
            services.meeting_sign(meeting=m, by=user)
            messages.success(request, "会议记录已签署，此后只能追加更正")
        elif action == "vote":
            form = f.VoteForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                v = services.vote_open(
                    topic=m.topic,
                    by=user,
                    question=d["question"],
                    rule=d["rule"],
                    meeting=m
                    if d["at_meeting"] and d["rule"] not in ("art278_ordinary", "art278_special")
                    else None,
                    secret=d["secret"],
                    phone=d["phone"],
                    closes_at=d["closes_at"],
                )
                messages.success(request, "表决已发起")
                return redirect("deliberation:vote", v.pk)
        elif action == "resolve":
            form = f.ResolutionForm(
                request.POST,
                people=_responsible_choices(m) or [(user.pk, str(user))],
                votes=[(v.pk, v.question) for v in m.topic.votes.all()],
            )
            if form.is_valid():
                d = form.cleaned_data
                vote = m.topic.votes.filter(pk=d["vote"]).first() if d["vote"] else None
                responsible = User.objects.get(pk=d["responsible"])
                services.resolution_make(
                    meeting=m, by=user, text=d["text"], responsible=responsible, due=d["due"], vote=vote
                )
                messages.success(request, "决议已形成")
        else:
            raise Http404("没有该操作")
        if not form.is_valid() and action not in ("sign",):
            _refused(request, form, ValidationError("请检查填写的内容"))
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, form, exc)
    return redirect("deliberation:meeting", m.pk)


def _responsible_choices(m: Meeting) -> list[tuple[int, str]]:
    """Accounts that may carry a resolution out: the staff of the community and its street."""
    rows = (
        User.objects.filter(is_active=True, region__code__startswith=m.topic.region.code[:9])
        .exclude(role=Role.RESIDENT)
        .order_by("-region__code", "username")[:100]
    )
    return [(u.pk, f"{u}（{u.role_label}）") for u in rows]


def _vote(request: HttpRequest, pk: int) -> Vote:
    v = Vote.objects.select_related("topic__region", "meeting").filter(pk=pk).first()
    if v is None or selectors.topic_for(request.user, v.topic.number) is None:
        raise Http404("没有找到该表决")
    return v


@login_required
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    v = _vote(request, pk)
    t = services.tally(v)
    return render(
        request,
        "deliberation/vote.html",
        {
            "title": v.question,
            "v": v,
            "tally": [(rules.CHOICES[c], t[c], t[f"{c}_area"]) for c in rules.CHOICES],
            "cast": sum(t[c] for c in rules.CHOICES),
            "participations": v.participations.count(),
            "roll": v.roll.count(),
            "counts_form": f.CountsForm(auto_id="cnt_%s"),
            "paper_form": f.PaperBallotForm(auto_id="pap_%s"),
        },
    )


@login_required
@require_POST
def vote_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _staff(request)
    v = _vote(request, pk)
    form: Any = f.CountsForm(request.POST) if action == "counts" else f.PaperBallotForm(request.POST)
    try:
        if action == "counts":
            if form.is_valid():
                d = form.cleaned_data
                services.counts_record(
                    vote=v,
                    by=user,
                    yes=d["yes"],
                    no=d["no"],
                    abstain=d["abstain"],
                    invalid_=d["invalid_"],
                    collected=d["collected"],
                )
                messages.success(request, "票数已录入")
        elif action == "paper":
            if form.is_valid():
                person, why = selectors.person_named(v.topic.region, form.cleaned_data["name"])
                if person is None:
                    raise services.invalid("name", why, "vote.not_entitled")
                services.ballots_record(vote=v, by=user, ballots=[(person, form.cleaned_data["choice"])])
                messages.success(request, f"已录入{person.name}的表决票")
        elif action == "count":
            form = f.CountsForm()
            v = services.vote_count(vote=v, by=user)
            messages.success(request, "计票完成：" + ("通过" if v.passed else "未通过"))
        else:
            raise Http404("没有该操作")
        if action != "count" and not form.is_valid():
            _refused(request, form, ValidationError("请检查填写的内容"))
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, form, exc)
    return redirect("deliberation:vote", v.pk)


@login_required
@require_POST
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    r = Resolution.objects.select_related("topic__region").filter(pk=pk).first()
    if r is None or (r.responsible_id != user.pk and selectors.topic_for(user, r.topic.number) is None):
        raise Http404("没有找到该决议")
    form = f.ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.progress_report(resolution=r, by=user, **form.cleaned_data)
            messages.success(request, "执行进展已报告")
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, form, exc)
    else:
        _refused(request, form, ValidationError("请检查填写的内容"))
    return redirect("deliberation:topic", r.topic.number)


@login_required
def board_admin(request: HttpRequest) -> HttpResponse:
    """村（居）务公开 for staff: publish to a community's board; the public page beside it."""
    user = _staff(request)
    communities = list(selectors.communities_below(user)[:500])
    code = request.GET.get("region") or (communities[0].code if communities else "")
    region = next((c for c in communities if c.code == code), None)
    if region is None:
        raise Http404("没有可管理的公开栏")
    resolutions = [
        (r.pk, f"{r.topic.title}：{r.text[:20]}")
        for r in Resolution.objects.filter(topic__region=region).select_related("topic")[:100]
    ]
    form = f.NoticeForm(request.POST or None, resolutions=resolutions)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        res = (
            Resolution.objects.filter(pk=d["resolution"], topic__region=region)
            .select_related("topic")
            .first()
            if d["resolution"]
            else None
        )
        try:
            services.notice_publish(
                region=region,
                by=user,
                kind=d["kind"],
                title=d["title"],
                body=d["body"],
                days=d["days"],
                resolution=res,
            )
            messages.success(request, "已发布到公开栏")
            return redirect(f"{reverse('deliberation:board_admin')}?region={region.code}")
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    notices = list(selectors.board(region).prefetch_related("comments__person", "comments__replied_by")[:50])
    return render(
        request,
        "deliberation/board_admin.html",
        {
            "title": "村（居）务公开",
            "form": form,
            "region": region,
            "communities": communities,
            "notices": notices,
            "today": timezone.localdate(),
            "reply_form": f.ReplyForm(auto_id=False),
        },
    )


@login_required
@require_POST
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """答复 a resident's comment or objection from the staff board; shown under it on the public board."""
    user = _staff(request)
    c = Comment.objects.select_related("notice__region").filter(pk=pk).first()
    if c is None or not selectors.communities_below(user).filter(pk=c.notice.region_id).exists():
        raise Http404("没有找到该意见")
    form = f.ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.comment_reply(comment=c, by=user, text=form.cleaned_data["text"])
            messages.success(request, "已答复，答复将显示在公开栏该条意见下方")
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, form, exc)
    else:
        _refused(request, form, ValidationError("请填写答复内容"))
    return redirect(f"{reverse('deliberation:board_admin')}?region={c.notice.region.code}#comment-{c.pk}")


# --- resident (phone) --------------------------------------------------------------------------------


def _resident(request: HttpRequest) -> Any:
    person = selectors.resident_person(request.user)
    if person is None:
        raise Http404("没有找到该页面")
    return person


@login_required
def resident(request: HttpRequest) -> HttpResponse:
    person = _resident(request)
    code = selectors.community_of(person)
    region = Region.objects.get(code=code)
    qs = Topic.objects.filter(region=region).select_related("procedure")
    supported = set(Topic.objects.filter(support_rows__person=person).values_list("pk", flat=True))
    form = f.ResidentTopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        building = person.household.building if d["scope"] == "building" and person.household_id else None
        try:
            t = services.topic_raise(
                by=request.user,
                title=d["title"],
                description=d["description"],
                scope=d["scope"],
                building=building,
            )
            messages.success(request, f"您的议题已提出，{t.threshold} 位居民附议后社区将受理")
            return redirect("deliberation:resident_topic", t.number)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    return render(
        request,
        "deliberation/resident.html",
        {
            "title": "社区议事",
            "region": region,
            "collecting": list(qs.filter(status=TopicStatus.COLLECTING)[:30]),
            "going": list(qs.exclude(status=TopicStatus.COLLECTING)[:20]),
            "supported": supported,
            "votes": list(selectors.open_votes_for(person)[:10]),
            "form": form,
            "person": person,
        },
    )


PLAIN = {
    TopicStatus.COLLECTING: "征集附议中",
    TopicStatus.ACCEPTED: "社区已受理",
    TopicStatus.IN_PROCEDURE: "正在商议",
    TopicStatus.RESOLVED: "已形成决议，正在落实",
    TopicStatus.REJECTED: "未获通过",
    TopicStatus.CLOSED: "已办结并公开结果",
}


@login_required
def resident_topic(request: HttpRequest, number: str) -> HttpResponse:
    person = _resident(request)
    t = _topic(request, number)
    votes = [
        (v, selectors.has_voted(v, person), v.roll.filter(person=person).exists())
        for v in t.votes.filter(phone=True)
    ]
    return render(
        request,
        "deliberation/resident_topic.html",
        {
            "title": t.title,
            "t": t,
            "plain": PLAIN.get(TopicStatus(t.status), ""),
            "supported": t.support_rows.filter(person=person).exists(),
            "own": t.raiser_id == person.pk,
            "position": selectors.topic_position(t),
            "votes": votes,
            "resolutions": list(t.resolutions.prefetch_related("reports")),
            "choice_form": f.ChoiceForm(),
        },
    )


@login_required
@require_POST
def support(request: HttpRequest, number: str) -> HttpResponse:
    _resident(request)
    t = _topic(request, number)
    try:
        t = services.topic_support(topic=t, by=request.user)
        messages.success(
            request,
            f"感谢附议！目前 {t.supports} 人附议" + ("，已达到受理人数" if t.threshold_reached_at else ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
    return redirect("deliberation:resident_topic", number)


def _message(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, PermissionDenied):
        return str(getattr(exc, "detail", "") or exc)
    return "；".join(m for m in exc.messages)


@login_required
@require_POST
def cast(request: HttpRequest, pk: int) -> HttpResponse:
    person = _resident(request)
    v = Vote.objects.select_related("topic").filter(pk=pk, roll__person=person).first()
    if v is None:
        raise Http404("没有找到该表决")
    form = f.ChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择同意、反对或弃权")
    else:
        try:
            services.ballot_cast(vote=v, by=request.user, choice=form.cleaned_data["choice"])
            messages.success(
                request, "投票成功，感谢参与" + ("（无记名，他人看不到您的选择）" if v.secret else "")
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _message(exc))
    return redirect("deliberation:resident_topic", v.topic.number)


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice with its comment form (the resident's own community)."""
    person = _resident(request)
    n = (
        Notice.objects.select_related("region")
        .filter(pk=pk, region__code=selectors.community_of(person))
        .first()
    )
    if n is None:
        raise Http404("没有找到该公开事项")
    form = f.CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_add(notice=n, by=request.user, **form.cleaned_data)
            messages.success(request, "您的意见已提交，社区将予答复")
            return redirect("deliberation:notice", n.pk)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
    mine = list(n.comments.filter(person=person))
    return render(
        request,
        "deliberation/notice.html",
        {
            "title": n.title,
            "n": n,
            "form": form,
            "mine": mine,
            "open": n.posted_on <= timezone.localdate() <= n.until,
        },
    )


# --- public, login-free --------------------------------------------------------------------------------


def _community(code: str) -> Region:
    region = Region.objects.current().filter(code=code, level=Level.COMMUNITY).first()
    if region is None:
        raise Http404("没有该社区（村）")
    return region


def _public_rows(region: Region) -> list[dict[str, Any]]:
    today = timezone.localdate()
    out = []
    for n in selectors.board(region, today=today).prefetch_related("comments__person")[:100]:
        out.append(
            {
                "n": n,
                "current": n.until >= today,
                "kind": n.get_kind_display(),
                "comments": [_public_comment(c) for c in n.comments.all()],
            }
        )
    return out


def _public_comment(c: Comment) -> dict[str, Any]:
    """A comment as the public board shows it: the surname only, the text withheld when it carries a phone or
    ID number, and the community's answer."""
    return {
        "pk": c.pk,
        "who": mask_name(c.person.name),
        "objection": c.objection,
        "text": "" if personal_data_in(c.text) else c.text,
        "reply": c.reply if c.replied_at else "",
        "replied_at": c.replied_at,
    }


def board(request: HttpRequest, code: str) -> HttpResponse:
    """公开栏 (no login): the community's notices — resolutions, results, 党务、居务、财务 — with their
    dates and posting periods; comment counts only (no names, no phones, no ID numbers)."""
    region = _community(code)
    rows = _public_rows(region)
    figures = selectors.execution_figures(region.code)
    return render(
        request,
        "deliberation/board.html",
        {
            "title": f"{region.name}村（居）务公开栏",
            "region": region,
            "current": [r for r in rows if r["current"]],
            "past": [r for r in rows if not r["current"]],
            "figures": figures,
            "print": request.resolver_match is not None and request.resolver_match.url_name == "board_print",
            "kinds": NoticeKind.choices,
        },
    )


class BoardFeed(Feed):
    """The community's board as an Atom feed, for other systems (政务公开 platforms, screens)."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, code: str) -> Region:  # type: ignore[override]
        return _community(code)

    def title(self, obj: Region) -> str:
        return f"{obj.full_name()}村（居）务公开"

    def link(self, obj: Region) -> str:
        return reverse("deliberation:board", args=[obj.code])

    def subtitle(self, obj: Region) -> str:
        return "决议公开、实施结果公开、党务、村（居）务、财务公开"

    def items(self, obj: Region) -> list[Notice]:
        return list(selectors.board(obj)[:50])

    def item_title(self, item: Notice) -> str:
        return f"【{item.get_kind_display()}】{item.title}"

    def item_description(self, item: Notice) -> str:
        return f"{item.body}\n（公示期：{item.posted_on:%Y-%m-%d} 至 {item.until:%Y-%m-%d}）"

    def item_link(self, item: Notice) -> str:
        return f"{reverse('deliberation:board', args=[item.region.code])}#n{item.pk}"

    def item_pubdate(self, item: Notice) -> Any:
        return timezone.make_aware(dt.datetime.combine(item.posted_on, dt.time(8, 0)))

    def item_updateddate(self, item: Notice) -> Any:
        return item.created_at

    def item_categories(self, item: Notice) -> list[str]:
        return [item.get_kind_display()]
