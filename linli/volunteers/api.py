"""志愿服务与时间银行 API (/api/volunteers): registration, activities, signups, sign-in/out, hours,
proofs (and their public check), the time bank. Reads are scoped; writes go through
``linli.volunteers.services``; a write that loses a uniqueness or balance rule (a second signup, an
overdraft) answers 409 with its stable ``code``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from linli.core.api import ERRORS, ConflictOut, acting_user, conflict_response
from linli.core.errors import Conflict
from linli.core.scope import scoped
from linli.regions.models import Region
from linli.registry.models import Person
from linli.services.models import Need, TaxonomyTerm
from linli.volunteers import selectors, services
from linli.volunteers.models import Account, Signup, SignupStatus, Volunteer

router = Router(tags=["志愿服务与时间银行"])


def answers_conflict(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(endpoint)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        except Conflict as exc:
            return conflict_response(exc)

    return wrapped


class VolunteerIn(Schema):
    person_id: int | None = Field(None, description="代为登记时的居民编号；居民本人注册时省略")
    consent: bool = Field(description="本人已同意注册告知")
    skills: list[str] = []
    languages: list[str] = []
    available_days: list[int] = []
    available_period: str = "any"
    service_areas: list[str] = Field([], description="服务分类编码")
    preferred_distance_m: int = 2000
    party_member: bool = False


class VolunteerOut(Schema):
    id: int
    number: str
    masked_name: str
    region: str = Field(alias="region.name")
    status: str
    party_member: bool


class StarOut(Schema):
    hours: Decimal
    level: int
    name: str
    to_next: Decimal | None


@router.post(
    "/volunteers",
    response={201: VolunteerOut, **ERRORS, 409: ConflictOut},
    summary="实名注册志愿者（本人或社区代为登记）",
)
@answers_conflict
def volunteer_register(request: HttpRequest, payload: VolunteerIn) -> Any:
    user = acting_user(request)
    pid = payload.person_id or user.person_id
    person = scoped(Person.objects.select_related("region"), user).filter(pk=pid or 0).first()
    if person is None:
        raise Http404
    terms = list(TaxonomyTerm.objects.filter(code__in=payload.service_areas))
    v = services.volunteer_register(
        actor=user,
        person=person,
        consent=payload.consent,
        skills=payload.skills,
        languages=payload.languages,
        available_days=payload.available_days,
        available_period=payload.available_period,
        service_areas=terms,
        preferred_distance_m=payload.preferred_distance_m,
        party_member=payload.party_member,
    )
    return Status(201, v)


@router.get("/volunteers/me", response={200: VolunteerOut, **ERRORS}, summary="本人的志愿者身份")
def volunteer_me(request: HttpRequest) -> Any:
    v = selectors.my_volunteer(acting_user(request))
    if v is None:
        raise Http404
    return v


@router.get(
    "/volunteers/{int:volunteer_id}/star",
    response={200: StarOut, **ERRORS},
    summary="累计时长与星级（由时长推导）",
)
def volunteer_star(request: HttpRequest, volunteer_id: int) -> Any:
    v = (
        scoped(Volunteer.objects.select_related("region"), acting_user(request))
        .filter(pk=volunteer_id)
        .first()
    )
    if v is None:
        raise Http404
    s = selectors.star_status(v)
    return {"hours": s.hours, "level": s.level, "name": s.name, "to_next": s.to_next}


class PositionOut(Schema):
    id: int
    name: str
    needed: int


class ActivityOut(Schema):
    id: int
    title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    region: str = Field(alias="region.name")


class ActivityIn(Schema):
    region_code: str
    title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    positions: list[tuple[str, int]] = Field(description="[[岗位, 人数], …]")
    description: str = ""
    need_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    min_age: int | None = None
    max_age: int | None = None
    party_only: bool = False


@router.get("/activities", response={200: list[ActivityOut], **ERRORS}, summary="可报名的志愿活动")
def activity_list(request: HttpRequest) -> Any:
    return list(selectors.activity_list(acting_user(request), upcoming=True)[:100])


@router.post("/activities", response={201: ActivityOut, **ERRORS}, summary="发布志愿活动（可由需求转来）")
def activity_create(request: HttpRequest, payload: ActivityIn) -> Any:
    user = acting_user(request)
    region = Region.objects.current().filter(code=payload.region_code).first()
    if region is None:
        raise Http404
    need = scoped(Need.objects.all(), user).filter(pk=payload.need_id).first() if payload.need_id else None
    a = services.activity_create(
        actor=user,
        region=region,
        title=payload.title,
        place=payload.place,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        positions=payload.positions,
        description=payload.description,
        need=need,
        lat=payload.lat,
        lon=payload.lon,
        min_age=payload.min_age,
        max_age=payload.max_age,
        party_only=payload.party_only,
    )
    return Status(201, a)


class SignupIn(Schema):
    position_id: int


class SignupOut(Schema):
    id: int
    activity_id: int
    position_id: int
    status: str
    signed_in_at: dt.datetime | None
    signed_out_at: dt.datetime | None


def _activity(request: HttpRequest, pk: int) -> Any:
    a = selectors.activity_get(acting_user(request), pk)
    if a is None:
        raise Http404
    return a


@router.post(
    "/activities/{int:activity_id}/signups",
    response={201: SignupOut, **ERRORS, 409: ConflictOut},
    summary="报名（不会重复、不会超员）",
)
@answers_conflict
def signup_create(request: HttpRequest, activity_id: int, payload: SignupIn) -> Any:
    user = acting_user(request)
    a = _activity(request, activity_id)
    v = selectors.my_volunteer(user)
    position = a.positions.filter(pk=payload.position_id).first()
    if v is None or position is None:
        raise Http404
    return Status(201, services.signup_create(actor=user, activity=a, volunteer=v, position=position))


class SignInIn(Schema):
    code: str = ""
    lat: float | None = None
    lon: float | None = None


def _my_signup(request: HttpRequest, activity_id: int) -> Signup:
    user = acting_user(request)
    a = _activity(request, activity_id)
    s = Signup.objects.filter(
        activity=a, volunteer__person_id=user.person_id or -1, status=SignupStatus.SIGNED_UP
    ).first()
    if s is None:
        raise Http404
    return s


@router.post(
    "/activities/{int:activity_id}/sign-in",
    response={200: SignupOut, **ERRORS, 409: ConflictOut},
    summary="现场签到（定位或签到码）",
)
@answers_conflict
def sign_in(request: HttpRequest, activity_id: int, payload: SignInIn) -> Any:
    s = _my_signup(request, activity_id)
    return services.signup_sign_in(
        actor=acting_user(request), signup=s, code=payload.code, lat=payload.lat, lon=payload.lon
    )


@router.post(
    "/activities/{int:activity_id}/sign-out",
    response={200: SignupOut, **ERRORS, 409: ConflictOut},
    summary="签退",
)
@answers_conflict
def sign_out(request: HttpRequest, activity_id: int) -> Any:
    s = _my_signup(request, activity_id)
    return services.signup_sign_out(actor=acting_user(request), signup=s)


class HoursConfirmIn(Schema):
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None


class RecordOut(Schema):
    id: int
    started_at: dt.datetime
    ended_at: dt.datetime
    hours: Decimal
    corrects_id: int | None


@router.post(
    "/signups/{int:signup_id}/confirm",
    response={201: RecordOut, **ERRORS, 409: ConflictOut},
    summary="组织者确认服务时长",
)
@answers_conflict
def hours_confirm(request: HttpRequest, signup_id: int, payload: HoursConfirmIn) -> Any:
    user = acting_user(request)
    s = Signup.objects.select_related("activity", "volunteer", "position").filter(pk=signup_id).first()
    if s is None or selectors.activity_get(user, s.activity_id) is None:
        raise Http404
    return Status(
        201,
        services.hours_confirm(
            actor=user, signup=s, started_at=payload.started_at, ended_at=payload.ended_at
        ),
    )


class ProofOut(Schema):
    serial: str
    verify_code: str
    hours: Decimal
    records: int
    issued_at: dt.datetime


@router.post("/volunteers/me/proofs", response={201: ProofOut, **ERRORS}, summary="申请志愿服务证明")
def proof_issue(request: HttpRequest) -> Any:
    user = acting_user(request)
    v = selectors.my_volunteer(user)
    if v is None:
        raise Http404
    return Status(201, services.proof_issue(actor=user, volunteer=v))


class TransferIn(Schema):
    amount: Decimal = Field(gt=0, max_digits=6, decimal_places=1)
    to_person_id: int | None = Field(None, description="同户家庭成员；省略则捐入社区公益池")


class MovementOut(Schema):
    id: int
    kind: str
    amount: Decimal
    debit_id: int
    credit_id: int
    created_at: dt.datetime


class StatementOut(Schema):
    account_id: int
    balance: Decimal
    lines: list[dict[str, Any]]


@router.post(
    "/timebank/donate",
    response={201: MovementOut, **ERRORS, 409: ConflictOut},
    summary="转赠时间（余额不足即拒绝）",
)
@answers_conflict
def donate(request: HttpRequest, payload: TransferIn) -> Any:
    user = acting_user(request)
    if user.person is None:
        raise Http404
    to = (
        scoped(Person.objects.all(), user).filter(pk=payload.to_person_id).first()
        if payload.to_person_id
        else None
    )
    if payload.to_person_id and to is None:
        raise Http404
    return Status(201, services.timebank_donate(actor=user, person=user.person, amount=payload.amount, to=to))


@router.get(
    "/timebank/accounts/{int:account_id}",
    response={200: StatementOut, **ERRORS},
    summary="账户对账单（余额由流水推导）",
)
def account_statement(request: HttpRequest, account_id: int) -> Any:
    user = acting_user(request)
    acc = Account.objects.filter(pk=account_id).first()
    if acc is None:
        raise Http404
    own = acc.person_id is not None and acc.person_id == user.person_id
    in_scope = services.is_staff(user) and (
        scoped(Person.objects.filter(pk=acc.person_id), user).exists() if acc.person_id else True
    )
    if not (own or in_scope):
        raise Http404
    balance, lines = selectors.statement(acc)
    return {
        "account_id": acc.pk,
        "balance": balance,
        "lines": [
            {
                "at": ln.at.isoformat(),
                "kind": ln.kind,
                "amount": str(ln.amount),
                "note": ln.note,
                "balance": str(ln.balance),
            }
            for ln in lines
        ],
    }


class VerifyOut(Schema):
    masked_name: str
    hours: Decimal
    records: int
    serial: str
    issuer: str
    issued_at: dt.datetime


@router.get(
    "/proofs/verify/{code}",
    response={200: VerifyOut, **ERRORS},
    auth=None,
    summary="公开查验志愿服务证明（仅显示脱敏姓名）",
)
def proof_verify(request: HttpRequest, code: str) -> Any:
    p = selectors.proof_by_code(code)
    if p is None:
        raise Http404
    return {
        "masked_name": p.volunteer.masked_name,
        "hours": p.hours,
        "records": p.records,
        "serial": p.serial,
        "issuer": p.issuer,
        "issued_at": p.issued_at,
    }
