"""Every write of the volunteers module: one keyword-only ``<thing>_<verb>`` each, atomic, reached the
same way from the pages and the API.

Rules that must hold under concurrency are held by the database: one live signup per activity and
volunteer (a partial unique index), one record per signup, one earned movement per record, and the
overdraft rule by locking the debit account's row (``SELECT … FOR UPDATE``) before its balance is
derived from the movements — the balance itself is never stored.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q, Sum
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.models import User
from linli.core.roles import REGISTRY_WRITERS, Role, effective_role
from linli.core.scope import region_in_scope, require_object_in_scope, require_region_in_scope
from linli.regions.models import Region
from linli.registry.models import Organisation, Person, PersonStatus
from linli.services.models import Need, TaxonomyTerm
from linli.volunteers.engine import hours as hours_rules
from linli.volunteers.engine import ledger, stars
from linli.volunteers.models import (
    CONSENT_TEXT,
    Account,
    AccountKind,
    Activity,
    ActivityStatus,
    DualReport,
    Movement,
    MovementKind,
    NoteKind,
    Position,
    Proof,
    ProofCounter,
    RegisteredBy,
    ServiceRecord,
    Signup,
    SignupStatus,
    StarReached,
    StarThreshold,
    Team,
    TeamMember,
    TimeBankRule,
    Volunteer,
    VolunteerNote,
    VolunteerStatus,
)

STAFF_ROLES = REGISTRY_WRITERS | {Role.STREET_COORDINATOR}
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed by hand
M_PER_DEG = 111_195.0


def is_staff(user: User) -> bool:
    return effective_role(user) in STAFF_ROLES


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise Forbidden("本操作由社区工作人员办理", code="volunteer.staff_only")


def community_of(region: Region) -> Region:
    """The community (村/社区) a region lies in: itself, or the parent of a grid."""
    while len(region.code) > 12 and region.parent_id is not None:
        region = region.parent  # type: ignore[assignment]
    return region


def _hours_error(exc: hours_rules.HoursError) -> ValidationError:
    return invalid(exc.field or "hours", str(exc), exc.code)


# --- volunteers --------------------------------------------------------------------------------------


@transaction.atomic
def volunteer_register(
    *,
    actor: User,
    person: Person,
    consent: bool,
    skills: Sequence[str] = (),
    languages: Sequence[str] = (),
    available_days: Sequence[int] = (),
    available_period: str = "any",
    service_areas: Sequence[TaxonomyTerm] = (),
    preferred_distance_m: int = 2000,
    party_member: bool = False,
) -> Volunteer:
    """实名注册: the resident registers themselves, or a community worker registers them (office mode).

    The resident's consent is recorded with its text and time; without it nothing is written."""
    own = effective_role(actor) == Role.RESIDENT
    if own:
        if actor.person_id != person.pk:
            raise Forbidden("居民只能为本人注册", code="volunteer.not_own")
    else:
        require_staff(actor)
        require_object_in_scope(actor, person)
    if not consent:
        raise invalid("consent", "请先阅读并同意志愿者注册告知", "volunteer.consent_required")
    if person.status != PersonStatus.ACTIVE:
        raise invalid("person", "该人员不在册，不能注册为志愿者", "volunteer.person_inactive")
    if Volunteer.objects.filter(person=person).exists():
        raise Conflict("person", "已经注册为志愿者", code="volunteer.already_registered")
    if any(d not in range(1, 8) for d in available_days):
        raise invalid("available_days", "可服务的星期应为 1–7", "volunteer.days_invalid")
    if not 100 <= preferred_distance_m <= 50_000:
        raise invalid(
            "preferred_distance_m", "愿意前往的距离应在 100 米到 50 公里之间", "volunteer.distance_invalid"
        )
    v = Volunteer(
        person=person,
        region=community_of(person.region),
        number=f"ZY{person.pk:09d}",
        registered_by=RegisteredBy.SELF if own else RegisteredBy.OFFICE,
        registered_by_user=actor,
        consent_at=timezone.now(),
        consent_text=CONSENT_TEXT,
        skills=list(skills),
        languages=list(languages),
        available_days=sorted(set(available_days)),
        available_period=available_period,
        preferred_distance_m=preferred_distance_m,
        party_member=party_member,
    )
    try:
        with transaction.atomic():
            v.save()
    except IntegrityError:
        raise Conflict("person", "已经注册为志愿者", code="volunteer.already_registered") from None
    v.service_areas.set(list(service_areas))
    return v


@transaction.atomic
def volunteer_withdraw(*, actor: User, volunteer: Volunteer) -> Volunteer:
    """注销: the volunteer leaves the register; their records and proofs are kept."""
    if not (actor.person_id == volunteer.person_id or is_staff(actor)):
        raise Forbidden("只能注销本人的志愿者身份", code="volunteer.not_own")
    if is_staff(actor):
        require_object_in_scope(actor, volunteer)
    Volunteer.objects.filter(pk=volunteer.pk).update(status=VolunteerStatus.WITHDRAWN)
    volunteer.status = VolunteerStatus.WITHDRAWN
    return volunteer


@transaction.atomic
def note_add(*, actor: User, volunteer: Volunteer, kind: str, title: str, on: dt.date) -> VolunteerNote:
    """培训、表彰奖励、评价: the parts of the record the 办法 lists beside the hours."""
    require_staff(actor)
    require_object_in_scope(actor, volunteer)
    if kind not in NoteKind.values:
        raise invalid("kind", "请选择培训、表彰奖励或评价", "volunteer.note_kind_invalid")
    if not title.strip():
        raise invalid("title", "请填写内容", "volunteer.note_blank")
    return VolunteerNote.objects.create(volunteer=volunteer, kind=kind, title=title.strip(), on=on, by=actor)


# --- teams and 双报到 --------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    actor: User,
    region: Region,
    name: str,
    party_team: bool = False,
    leader: Volunteer | None = None,
    organisation: Organisation | None = None,
    description: str = "",
) -> Team:
    require_staff(actor)
    require_region_in_scope(actor, region)
    if len(region.code) != 12:
        raise invalid("region", "志愿服务队应属于一个社区（村）", "team.region_not_community")
    if not name.strip():
        raise invalid("name", "请填写队名", "team.name_blank")
    if Team.objects.filter(region=region, name=name.strip()).exists():
        raise Conflict("name", f"本社区已有“{name.strip()}”", code="team.name_taken")
    team = Team.objects.create(
        region=region,
        name=name.strip(),
        party_team=party_team,
        leader=leader,
        organisation=organisation,
        description=description,
    )
    if leader is not None:
        TeamMember.objects.create(team=team, volunteer=leader)
    return team


@transaction.atomic
def team_member_add(*, actor: User, team: Team, volunteer: Volunteer) -> TeamMember:
    require_staff(actor)
    require_region_in_scope(actor, team.region)
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise invalid("volunteer", "该志愿者已注销", "team.volunteer_inactive")
    if team.party_team and not volunteer.party_member:
        raise invalid(
            "volunteer", "党员志愿服务队以党员为骨干：该志愿者未登记为党员", "team.not_party_member"
        )
    try:
        with transaction.atomic():
            return TeamMember.objects.create(team=team, volunteer=volunteer)
    except IntegrityError:
        raise Conflict("volunteer", "已经是本队队员", code="team.already_member") from None


@transaction.atomic
def dual_report_create(
    *,
    actor: User,
    volunteer: Volunteer,
    region: Region,
    work_unit_name: str,
    posts: Sequence[str],
    work_unit: Organisation | None = None,
) -> DualReport:
    """在职党员双报到: the member reports to the community where they live and claims posts (设岗定责)."""
    if not (actor.person_id == volunteer.person_id or is_staff(actor)):
        raise Forbidden("只能为本人报到", code="volunteer.not_own")
    if is_staff(actor):
        require_region_in_scope(actor, region)
    if not volunteer.party_member:
        raise invalid(
            "volunteer", "双报到面向在职党员：请先在志愿者信息中登记党员身份", "dual.not_party_member"
        )
    if not work_unit_name.strip() and work_unit is None:
        raise invalid("work_unit_name", "请填写工作单位", "dual.work_unit_blank")
    posts = [p.strip() for p in posts if p.strip()]
    if not posts:
        raise invalid("posts", "请至少认领一个岗位", "dual.posts_blank")
    try:
        with transaction.atomic():
            return DualReport.objects.create(
                volunteer=volunteer,
                region=community_of(region),
                work_unit=work_unit,
                work_unit_name=work_unit_name.strip() or (work_unit.name if work_unit else ""),
                posts=posts,
            )
    except IntegrityError:
        raise Conflict("region", "已经向该社区报到", code="dual.already_reported") from None


# --- activities ----------------------------------------------------------------------------------------


def can_organise(user: User, activity: Activity) -> bool:
    """The organiser: staff whose scope holds the activity, or the leader of the team that runs it."""
    if is_staff(user) and region_in_scope(user, activity.region):
        return True
    team = activity.team
    return bool(team and team.leader_id and user.person_id and team.leader.person_id == user.person_id)  # type: ignore[union-attr]


def require_organiser(user: User, activity: Activity) -> None:
    if not can_organise(user, activity):
        raise Forbidden("只有活动的组织者可以办理", code="activity.not_organiser")


@transaction.atomic
def activity_create(
    *,
    actor: User,
    region: Region,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    positions: Sequence[tuple[str, int]],
    description: str = "",
    team: Team | None = None,
    organisation: Organisation | None = None,
    need: Need | None = None,
    category: TaxonomyTerm | None = None,
    lat: float | None = None,
    lon: float | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    party_only: bool = False,
) -> Activity:
    """发布志愿活动 (a need of the three lists may become one: ``need``)."""
    leader = bool(team and team.leader_id and actor.person_id and team.leader.person_id == actor.person_id)  # type: ignore[union-attr]
    if not leader:
        require_staff(actor)
        require_region_in_scope(actor, region)
    if not title.strip():
        raise invalid("title", "请填写活动名称", "activity.title_blank")
    if not place.strip():
        raise invalid("place", "请填写活动地点", "activity.place_blank")
    if ends_at <= starts_at:
        raise invalid("ends_at", "结束时间须晚于开始时间", "activity.end_before_start")
    if ends_at - starts_at > dt.timedelta(days=3):
        raise invalid("ends_at", "一次活动不超过 3 天：更长的请分次发布", "activity.too_long")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise invalid("max_age", "最高年龄不能小于最低年龄", "activity.age_range_invalid")
    clean = [(n.strip(), k) for n, k in positions if n.strip()]
    if not clean:
        raise invalid("positions", "请至少设置一个岗位和人数", "activity.positions_blank")
    if any(k < 1 or k > 500 for _, k in clean) or len({n for n, _ in clean}) != len(clean):
        raise invalid("positions", "每个岗位的人数应为 1–500，岗位名称不能重复", "activity.positions_invalid")
    if need is not None:
        require_object_in_scope(actor, need)
        category = category or need.category
    activity = Activity.objects.create(
        title=title.strip(),
        region=region,
        team=team,
        organisation=organisation,
        need=need,
        category=category,
        description=description,
        place=place.strip(),
        lat=lat,
        lon=lon,
        starts_at=starts_at,
        ends_at=ends_at,
        min_age=min_age,
        max_age=max_age,
        party_only=party_only,
        checkin_code=f"{secrets.randbelow(1_000_000):06d}",
        created_by=actor,
    )
    Position.objects.bulk_create([Position(activity=activity, name=n, needed=k) for n, k in clean])
    return activity


@transaction.atomic
def activity_cancel(*, actor: User, activity: Activity) -> Activity:
    require_organiser(actor, activity)
    Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.CANCELLED)
    activity.status = ActivityStatus.CANCELLED
    return activity


def _eligible(activity: Activity, volunteer: Volunteer, today: dt.date) -> None:
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise invalid("volunteer", "志愿者身份已注销", "signup.volunteer_inactive")
    age = volunteer.person.age_on(today)
    if activity.min_age is not None and age < activity.min_age:
        raise invalid("volunteer", f"本活动要求年满 {activity.min_age} 岁", "signup.too_young")
    if activity.max_age is not None and age > activity.max_age:
        raise invalid("volunteer", f"本活动限 {activity.max_age} 岁以下参加", "signup.too_old")
    if activity.party_only and not volunteer.party_member:
        raise invalid("volunteer", "本活动仅限党员参加", "signup.party_only")


@transaction.atomic
def signup_create(*, actor: User, activity: Activity, volunteer: Volunteer, position: Position) -> Signup:
    """报名: once per activity; the position must have a free place (counted under the activity's lock)."""
    if actor.person_id != volunteer.person_id:
        require_organiser(actor, activity)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    if locked.status != ActivityStatus.PUBLISHED:
        raise invalid("activity", "活动已结束或已取消，不能报名", "signup.closed")
    if timezone.now() >= locked.ends_at:
        raise invalid("activity", "活动已结束，不能报名", "signup.closed")
    if position.activity_id != locked.pk:
        raise invalid("position", "请选择本活动的岗位", "signup.position_invalid")
    _eligible(locked, volunteer, timezone.localdate())
    if Signup.objects.filter(activity=locked, volunteer=volunteer, status=SignupStatus.SIGNED_UP).exists():
        raise Conflict("activity", "您已报名本活动，不能重复报名", code="signup.duplicate")
    taken = Signup.objects.filter(position=position, status=SignupStatus.SIGNED_UP).count()
    if taken >= position.needed:
        raise Conflict("position", f"岗位“{position.name}”已满员", code="signup.position_full")
    try:
        with transaction.atomic():
            return Signup.objects.create(activity=locked, position=position, volunteer=volunteer)
    except IntegrityError:
        raise Conflict("activity", "您已报名本活动，不能重复报名", code="signup.duplicate") from None


@transaction.atomic
def signup_cancel(*, actor: User, signup: Signup) -> Signup:
    if actor.person_id != signup.volunteer.person_id:
        require_organiser(actor, signup.activity)
    if signup.signed_in_at is not None:
        raise invalid("signup", "已签到，不能取消报名", "signup.already_signed_in")
    Signup.objects.filter(pk=signup.pk).update(status=SignupStatus.CANCELLED)
    signup.status = SignupStatus.CANCELLED
    return signup


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat1 - lat2) * M_PER_DEG
    dx = (lon1 - lon2) * M_PER_DEG * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


SIGNIN_EARLY = dt.timedelta(minutes=60)


@transaction.atomic
def signup_sign_in(
    *,
    actor: User,
    signup: Signup,
    code: str = "",
    lat: float | None = None,
    lon: float | None = None,
    at: dt.datetime | None = None,
) -> Signup:
    """签到 on the spot: the phone's position within the activity's radius, or the organiser's code;
    an organiser may sign a participant in (office)."""
    at = at or timezone.now()
    locked = Signup.objects.select_for_update().select_related("activity").get(pk=signup.pk)
    activity = locked.activity
    own = actor.person_id == locked.volunteer.person_id
    if not own:
        require_organiser(actor, activity)
    if locked.status != SignupStatus.SIGNED_UP:
        raise invalid("signup", "报名已取消", "signin.cancelled")
    if locked.signed_in_at is not None:
        raise Conflict("signup", "已经签到过了", code="signin.already")
    if at < activity.starts_at - SIGNIN_EARLY or at > activity.ends_at:
        raise invalid("signup", "不在活动时间内，不能签到（可提前 1 小时）", "signin.outside_time")
    method = "office"
    if own:
        if code:
            if not secrets.compare_digest(code.strip(), activity.checkin_code):
                raise invalid("code", "签到码不正确，请向组织者核对", "signin.code_wrong")
            method = "code"
        elif lat is not None and lon is not None and activity.lat is not None and activity.lon is not None:
            d = distance_m(lat, lon, activity.lat, activity.lon)
            if d > activity.radius_m:
                raise invalid(
                    "position",
                    f"您距活动地点约 {d:.0f} 米，超出签到范围（{activity.radius_m} 米）：请到现场，或输入组织者出示的签到码",
                    "signin.too_far",
                )
            method = "position"
        else:
            raise invalid("code", "请输入组织者出示的签到码，或允许获取位置", "signin.proof_required")
    locked.signed_in_at, locked.signed_in_by = at, method
    locked.save(update_fields=["signed_in_at", "signed_in_by"])
    return locked


@transaction.atomic
def signup_sign_out(*, actor: User, signup: Signup, at: dt.datetime | None = None) -> Signup:
    at = at or timezone.now()
    locked = Signup.objects.select_for_update().select_related("activity").get(pk=signup.pk)
    if actor.person_id != locked.volunteer.person_id:
        require_organiser(actor, locked.activity)
    if locked.signed_in_at is None:
        raise invalid("signup", "还没有签到，不能签退", "signout.not_signed_in")
    if locked.signed_out_at is not None:
        raise Conflict("signup", "已经签退过了", code="signout.already")
    if at <= locked.signed_in_at:
        raise invalid("signup", "签退时间须晚于签到时间", "signout.before_sign_in")
    locked.signed_out_at = min(at, locked.activity.ends_at + dt.timedelta(hours=2))
    locked.save(update_fields=["signed_out_at"])
    return locked


# --- hours ------------------------------------------------------------------------------------------------


def counting_records(volunteer: Volunteer) -> Any:
    return ServiceRecord.objects.filter(volunteer=volunteer, corrected_by__isnull=True)


TENTH = Decimal("0.1")


def total_hours(volunteer: Volunteer) -> Decimal:
    total = counting_records(volunteer).aggregate(s=Sum("hours"))["s"] or Decimal(0)
    return Decimal(total).quantize(TENTH)  # SQLite sums decimals as floats


def thresholds_for(region: Region) -> list[Decimal]:
    """The star thresholds of the nearest region up that has them, else the common scale."""
    codes = [region.code[:n] for n in (12, 9, 6, 4, 2) if len(region.code) >= n]
    rows = list(
        StarThreshold.objects.filter(region__code__in=codes).values_list("region__code", "level", "hours")
    )
    for code in codes:
        own = sorted((lvl, h) for c, lvl, h in rows if c == code)
        if own:
            return [h for _, h in own]
    return list(stars.DEFAULT_THRESHOLDS)


def _record(
    *,
    actor: User,
    volunteer: Volunteer,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    content: str,
    activity: Activity | None = None,
    signup: Signup | None = None,
    corrects: ServiceRecord | None = None,
    reason: str = "",
    void: bool = False,
) -> ServiceRecord:
    """Write one record under the volunteer's lock (no overlap), its time-bank movement and the star
    levels it reaches."""
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    try:
        hours_rules.check_confirmer(volunteer.person_id, actor.person_id)
        span = hours_rules.Span(started_at, ended_at)
        hours_rules.check_span(
            span, hours_rules.Span(activity.starts_at, activity.ends_at) if activity else None
        )
        others = counting_records(volunteer).filter(
            hours__gt=0, started_at__lt=ended_at, ended_at__gt=started_at
        )
        if corrects is not None:
            others = others.exclude(pk=corrects.pk)
        if not void:
            hours_rules.check_no_overlap(span, [hours_rules.Span(o.started_at, o.ended_at) for o in others])
    except hours_rules.HoursError as exc:
        raise _hours_error(exc) from None
    before = total_hours(volunteer)
    hours = Decimal(0) if void else hours_rules.hours_between(started_at, ended_at)
    if hours <= 0 and not void:
        raise invalid("ended_at", "服务时长不足 0.1 小时", "record.too_short")
    rec = ServiceRecord(
        volunteer=volunteer,
        activity=activity,
        signup=signup,
        content=content[:200],
        started_at=started_at,
        ended_at=ended_at,
        hours=hours,
        confirmed_by=actor,
        corrects=corrects,
        reason=reason,
    )
    try:
        with transaction.atomic():
            rec.save(force_insert=True)
    except IntegrityError:
        if corrects is not None:
            raise Conflict(
                "record", "该记录已被更正过：请更正最新的一条", code="record.already_corrected"
            ) from None
        raise Conflict("signup", "该报名的服务时长已经确认过", code="record.already_confirmed") from None
    old = corrects.hours if corrects is not None else Decimal(0)
    person_acc = account_of_person(volunteer.person)
    issuer = account_of_region(volunteer.region, AccountKind.ISSUER)
    if hours > old:
        movement_create(
            actor=actor,
            debit=issuer,
            credit=person_acc,
            amount=hours - old,
            kind=MovementKind.EARNED,
            record=rec,
            note=content[:200],
        )
    elif hours < old:
        try:
            movement_create(
                actor=actor,
                debit=person_acc,
                credit=issuer,
                amount=old - hours,
                kind=MovementKind.EXPIRED,
                record=rec,
                note=f"服务记录更正：{reason}"[:200],
            )
        except Conflict as exc:
            if exc.code != "timebank.overdraft":
                raise
            balance = balance_of(person_acc)
            raise Conflict(
                "record",
                f"这些时长已在时间银行中兑换或转赠，该志愿者现有余额 {balance} 小时，不够扣回 {old - hours} 小时，"
                "这次更正无法办理。可以先按余额以内的时长更正；余下的差额请报区里，由区管理员调整本地区的透支额度后再更正。",
                code="record.hours_spent",
            ) from None
    after = before - old + hours
    new_levels = stars.levels_reached(before, after, thresholds_for(volunteer.region))
    if new_levels:
        StarReached.objects.bulk_create(
            [StarReached(volunteer=volunteer, level=lv) for lv in new_levels], ignore_conflicts=True
        )
    return rec


@transaction.atomic
def hours_confirm(
    *, actor: User, signup: Signup, started_at: dt.datetime | None = None, ended_at: dt.datetime | None = None
) -> ServiceRecord:
    """The organiser confirms a participant's hours (by default from sign-in to sign-out, within the
    activity); never the volunteer themselves."""
    activity = signup.activity
    require_organiser(actor, activity)
    if signup.status != SignupStatus.SIGNED_UP:
        raise invalid("signup", "报名已取消", "record.signup_cancelled")
    if ServiceRecord.objects.filter(signup=signup).exists():
        raise Conflict("signup", "该报名的服务时长已经确认过", code="record.already_confirmed")
    start = started_at or signup.signed_in_at
    end = ended_at or signup.signed_out_at
    if start is None or end is None:
        raise invalid("signup", "该志愿者尚未签到、签退：请填写服务起止时间", "record.times_missing")
    if started_at is None:  # an early sign-in counts from the start, a late sign-out to the end
        start = max(start, activity.starts_at)
    if ended_at is None:
        end = min(end, activity.ends_at)
    return _record(
        actor=actor,
        volunteer=signup.volunteer,
        started_at=start,
        ended_at=end,
        content=f"{activity.title}（{signup.position.name}）",
        activity=activity,
        signup=signup,
    )


@transaction.atomic
def record_add(
    *,
    actor: User,
    volunteer: Volunteer,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    content: str,
    activity: Activity | None = None,
) -> ServiceRecord:
    """Office mode: a community worker records hours for a volunteer who is not online."""
    require_staff(actor)
    require_object_in_scope(actor, volunteer)
    if not content.strip():
        raise invalid("content", "请填写服务内容", "record.content_blank")
    if activity is not None:
        require_organiser(actor, activity)
    return _record(
        actor=actor,
        volunteer=volunteer,
        started_at=started_at,
        ended_at=ended_at,
        content=content.strip(),
        activity=activity,
    )


@transaction.atomic
def record_correct(
    *,
    actor: User,
    record: ServiceRecord,
    reason: str,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    void: bool = False,
) -> ServiceRecord:
    """更正: a new record pointing at the old one (which then no longer counts); ``void`` annuls it."""
    require_staff(actor)
    require_object_in_scope(actor, record.volunteer)
    if not reason.strip():
        raise invalid("reason", "请写明更正原因", "record.reason_required")
    if ServiceRecord.objects.filter(corrects=record).exists():
        raise Conflict("record", "该记录已被更正过：请更正最新的一条", code="record.already_corrected")
    return _record(
        actor=actor,
        volunteer=record.volunteer,
        started_at=started_at or record.started_at,
        ended_at=ended_at or record.ended_at,
        content=record.content,
        activity=record.activity,
        corrects=record,
        reason=reason.strip(),
        void=void,
    )


@transaction.atomic
def star_thresholds_set(*, actor: User, region: Region, hours: Sequence[Decimal]) -> list[StarThreshold]:
    """The region's star thresholds (editable data; district administrators)."""
    if effective_role(actor) not in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):
        raise Forbidden("星级标准由区级管理员维护", code="volunteer.district_only")
    require_region_in_scope(actor, region)
    try:
        stars.check_thresholds(list(hours))
    except stars.ThresholdError as exc:
        raise invalid("hours", str(exc), "star.thresholds_invalid") from None
    if len(hours) > 5:
        raise invalid("hours", "最多五个星级", "star.thresholds_invalid")
    StarThreshold.objects.filter(region=region).delete()
    return StarThreshold.objects.bulk_create(
        [StarThreshold(region=region, level=i, hours=h) for i, h in enumerate(hours, 1)]
    )


@transaction.atomic
def stars_seen(*, actor: User, volunteer: Volunteer) -> int:
    if actor.person_id != volunteer.person_id:
        raise Forbidden("只能查看本人的通知", code="volunteer.not_own")
    return StarReached.objects.filter(volunteer=volunteer, seen=False).update(seen=True)


# --- proofs -------------------------------------------------------------------------------------------------


def proof_serial_next(year: int) -> str:
    """The next 证明编号 of ``year`` ("ZYZM" + year + six digits), from the year's counter row,
    incremented and read in one statement (a failed issue leaves a gap, never a twin)."""
    table = connection.ops.quote_name(ProofCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE year = %s RETURNING last", [year])
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                ProofCounter.objects.create(year=year, last=1)
            n = 1
        except IntegrityError:  # another issue created the year's row just now
            return proof_serial_next(year)
    else:
        n = int(row[0])
    return f"ZYZM{year}{n:06d}"


@transaction.atomic
def proof_issue(*, actor: User, volunteer: Volunteer, issuer: str = "") -> Proof:
    """志愿服务证明: the volunteer (or staff for them) asks; issued from the confirmed records."""
    if actor.person_id != volunteer.person_id:
        require_staff(actor)
        require_object_in_scope(actor, volunteer)
    rows = counting_records(volunteer).filter(hours__gt=0)
    agg = rows.aggregate(s=Sum("hours"), first=Min("started_at"))
    count = rows.count()
    if not count:
        raise invalid("volunteer", "还没有已确认的服务记录，不能出具证明", "proof.no_records")
    now = timezone.now()
    return Proof.objects.create(
        serial=proof_serial_next(timezone.localdate().year),
        verify_code="".join(secrets.choice(CODE_ALPHABET) for _ in range(10)),
        volunteer=volunteer,
        period_from=timezone.localtime(agg["first"]).date() if agg["first"] else None,
        period_to=timezone.localdate(),
        hours=Decimal(agg["s"] or 0).quantize(TENTH),
        records=count,
        issuer=issuer or f"{volunteer.region.name}志愿服务站",
        issued_by=actor,
        issued_at=now,
    )


# --- time bank ------------------------------------------------------------------------------------------------


def account_of_person(person: Person) -> Account:
    acc = Account.objects.filter(kind=AccountKind.PERSON, person=person).first()
    if acc is not None:
        return acc
    try:
        with transaction.atomic():
            return Account.objects.create(
                kind=AccountKind.PERSON, person=person, region=community_of(person.region)
            )
    except IntegrityError:
        return Account.objects.get(kind=AccountKind.PERSON, person=person)


def account_of_region(region: Region, kind: str) -> Account:
    acc = Account.objects.filter(kind=kind, region=region).first()
    if acc is not None:
        return acc
    try:
        with transaction.atomic():
            return Account.objects.create(kind=kind, region=region)
    except IntegrityError:
        return Account.objects.get(kind=kind, region=region)


def balance_of(account: Account | int) -> Decimal:
    """Credits minus debits: the balance, derived, never stored. One aggregate over the account's
    movements (``debit = acc OR credit = acc``, a bitmap OR of the two foreign-key indexes)."""
    pk = account if isinstance(account, int) else account.pk
    agg = Movement.objects.filter(Q(debit_id=pk) | Q(credit_id=pk)).aggregate(
        c=Sum("amount", filter=Q(credit_id=pk), default=Decimal(0)),
        d=Sum("amount", filter=Q(debit_id=pk), default=Decimal(0)),
    )
    return (Decimal(agg["c"]) - Decimal(agg["d"])).quantize(TENTH)  # SQLite sums decimals as floats


def overdraft_limit(region: Region) -> Decimal:
    codes = [region.code[:n] for n in (12, 9, 6) if len(region.code) >= n]
    rules = dict(
        TimeBankRule.objects.filter(region__code__in=codes).values_list("region__code", "overdraft_limit")
    )
    for code in codes:
        if code in rules:
            return Decimal(rules[code])
    return Decimal(0)


@transaction.atomic
def movement_create(
    *,
    actor: User | None,
    debit: Account,
    credit: Account,
    amount: Decimal,
    kind: str,
    record: ServiceRecord | None = None,
    note: str = "",
) -> Movement:
    """One movement of the ledger. The debit account's row is locked first (``SELECT … FOR UPDATE``),
    so that two spends of one account are serialised and the second sees the first's movement; then
    its balance is derived and the overdraft rule applied. Nothing is stored but the movement."""
    try:
        ledger.check_movement(ledger.Movement(debit.pk, credit.pk, Decimal(amount), kind))
    except ledger.LedgerError as exc:
        raise invalid("amount", str(exc), exc.code) from None
    # One short transaction: lock the debit row (its region fetched in the same statement), derive the
    # balance in one aggregate, read the overdraft rule only when the balance alone does not cover it.
    # FOR NO KEY UPDATE, not FOR UPDATE: inserting the movement takes a KEY SHARE lock on the credit
    # row, which FOR UPDATE would block, so two opposite transfers (A→B, B→A) would deadlock.
    locked = (
        Account.objects.select_for_update(no_key=True, of=("self",)).select_related("region").get(pk=debit.pk)
    )
    if locked.kind not in ledger.UNLIMITED_KINDS:
        balance, amt = balance_of(locked.pk), Decimal(amount)
        if not ledger.may_debit(balance, amt):
            try:
                ledger.check_debit(balance, amt, limit=overdraft_limit(locked.region))
            except ledger.LedgerError as exc:
                raise Conflict("amount", str(exc), code=exc.code) from None
    m = Movement(debit=locked, credit=credit, amount=amount, kind=kind, record=record, note=note, by=actor)
    m.save(force_insert=True)
    return m


@transaction.atomic
def timebank_spend(*, actor: User, person: Person, amount: Decimal, note: str) -> Movement:
    """兑换: a service received, paid from the person's time credits (staff record it at the station)."""
    require_staff(actor)
    require_object_in_scope(actor, person)
    if not note.strip():
        raise invalid("note", "请写明兑换的服务", "timebank.note_blank")
    acc = account_of_person(person)
    return movement_create(
        actor=actor,
        debit=acc,
        credit=account_of_region(acc.region, AccountKind.ISSUER),
        amount=amount,
        kind=MovementKind.SPENT,
        note=note.strip(),
    )


@transaction.atomic
def timebank_donate(
    *, actor: User, person: Person, amount: Decimal, to: Person | None = None, note: str = ""
) -> Movement:
    """转赠: to a family member (same household) or to the community's pool (``to`` None)."""
    if actor.person_id != person.pk:
        require_staff(actor)
        require_object_in_scope(actor, person)
    acc = account_of_person(person)
    if to is not None:
        if to.pk == person.pk:
            raise invalid("to", "不能转赠给自己", "timebank.same_account")
        if not person.household_id or to.household_id != person.household_id:
            raise invalid("to", "只能转赠给同户的家庭成员，或捐入社区公益池", "timebank.not_family")
        target = account_of_person(to)
    else:
        target = account_of_region(acc.region, AccountKind.POOL)
    return movement_create(
        actor=actor,
        debit=acc,
        credit=target,
        amount=amount,
        kind=MovementKind.DONATED,
        note=note.strip() or ("转赠家庭成员" if to else "捐入社区公益池"),
    )


@transaction.atomic
def timebank_rule_set(
    *, actor: User, region: Region, overdraft_limit: Decimal, expire_after_months: int
) -> TimeBankRule:
    if effective_role(actor) not in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):
        raise Forbidden("时间银行规则由区级管理员维护", code="volunteer.district_only")
    require_region_in_scope(actor, region)
    if overdraft_limit < 0 or overdraft_limit > 100:
        raise invalid("overdraft_limit", "允许透支应在 0–100 小时之间", "timebank.rule_invalid")
    rule, _ = TimeBankRule.objects.update_or_create(
        region=region,
        defaults={"overdraft_limit": overdraft_limit, "expire_after_months": expire_after_months},
    )
    return rule


def timebank_expire(*, today: dt.date | None = None) -> int:
    """到期清零 by each region's rule: credits earned more than N months ago and not used since go to the
    region's expiry account (first in, first out). Safe to run again: it only moves what is still due."""
    today = today or timezone.localdate()
    moved = 0
    for rule in TimeBankRule.objects.filter(expire_after_months__gt=0).select_related("region"):
        cutoff = timezone.make_aware(dt.datetime.combine(today, dt.time())) - dt.timedelta(
            days=30 * rule.expire_after_months
        )
        accounts = Account.objects.filter(kind=AccountKind.PERSON, region__code__startswith=rule.region.code)
        for acc in accounts.iterator():
            with transaction.atomic():
                locked = Account.objects.select_for_update().get(pk=acc.pk)
                bal = balance_of(locked)
                recent = Movement.objects.filter(credit=locked, created_at__gte=cutoff).aggregate(
                    s=Sum("amount")
                )["s"] or Decimal(0)
                due = bal - recent
                if due > 0:
                    movement_create(
                        actor=None,
                        debit=locked,
                        credit=account_of_region(locked.region, AccountKind.EXPIRY),
                        amount=due,
                        kind=MovementKind.EXPIRED,
                        note=f"超过 {rule.expire_after_months} 个月未使用",
                    )
                    moved += 1
    return moved
