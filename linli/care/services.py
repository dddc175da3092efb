"""Writes of the care module, one keyword-only service each, inside ``transaction.atomic``.

- ``care_evaluate``: every active rule over the registry in bulk (one query per rule), opening files
  and memberships for new matches, ending those no longer matched, closing files with their reason,
  and raising 政策找人 alerts for new matches of a rule with a policy.
- ``visits_generate`` / ``visits_mark_overdue``: the period's visit plan, and the sweep at its end.
- ``visit_record``: the visit on the phone (position, checklist, photos, a need raised on the spot).
- ``alert_confirm`` / ``alert_dismiss``; ``referral_create`` / ``referral_close``; ``file_update``;
  ``rule_save``; ``care_worker_assign``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from linli.care import selectors
from linli.care.engine import periods
from linli.care.engine import rules as eng
from linli.care.models import (
    Alert,
    AlertCount,
    AlertStatus,
    CareFile,
    CareMembership,
    CareRule,
    CareWorker,
    EvaluationRun,
    GroupCount,
    NeedLevel,
    Referral,
    ReferralKind,
    ReferralOutcome,
    SocialCase,
    Visit,
    VisitMonth,
    Visitor,
    VisitPhoto,
    VisitStatus,
)
from linli.cases.models import Category
from linli.cases.services import case_create
from linli.core.bulk import bulk_reads, insert_rows
from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.images import image_reencode
from linli.core.models import AuditAction, User
from linli.core.roles import REGISTRY_WRITERS, Role, effective_role
from linli.core.scope import OutOfScope, region_in_scope, require_object_in_scope, subtrees_q
from linli.core.services import audit_record
from linli.regions.models import Region
from linli.registry.models import Person, PersonStatus, PersonTag
from linli.services.models import Application, NeedSource, ServiceItem, TaxonomyTerm
from linli.services.services import application_submit, need_create

CHUNK = 5000
RULE_EDITORS = frozenset({Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})
MAX_PHOTOS = 4


def _require_worker(actor: User) -> None:
    if effective_role(actor) not in REGISTRY_WRITERS:
        raise Forbidden("本账号的角色不能办理关爱巡访", code="care.not_permitted")


def _prepared(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The values converted as the backend stores them, only in the columns that need it (tens of
    thousands of rows: no call per value)."""
    sqlite = connection.vendor != "postgresql"

    def value(v: Any) -> Any:
        if v is None or isinstance(v, int | str):
            return v
        if isinstance(v, dt.datetime):
            return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ") if sqlite else v
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, dict | list):
            return json.dumps(v, ensure_ascii=False)
        return v

    plain = {type(None), int, str, bool}
    needs = [i for i, column in enumerate(zip(*rows, strict=True)) if set(map(type, column)) - plain]
    if not needs:
        return rows
    prepared = []
    for r in rows:
        out = list(r)
        for i in needs:
            out[i] = value(out[i])
        prepared.append(tuple(out))
    return prepared


def _columns(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    return [str(model._meta.get_field(f).column) for f in fields]  # type: ignore[union-attr]


def rows_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Insert many rows in one round trip (``core.bulk``: COPY on PostgreSQL, executemany elsewhere),
    the values converted as the backend stores them; no ORM instances (tens of thousands of rows).
    With ``ignore_conflicts`` a row a concurrent writer inserted first (a unique key) is skipped, and
    the rows really inserted are counted."""
    prepared = _prepared(list(rows))
    columns = _columns(model, fields)
    if ignore_conflicts:
        return len(_insert_ignoring_conflicts(model, columns, prepared, returning=[columns[0]]))
    insert_rows(model, columns, prepared)
    return len(prepared)


def rows_insert_new(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Like ``rows_insert(ignore_conflicts=True)``, returning the fields ``returning`` of the rows
    really inserted (not those a concurrent writer inserted first)."""
    return _insert_ignoring_conflicts(
        model, _columns(model, fields), _prepared(list(rows)), returning=_columns(model, returning)
    )


def _insert_ignoring_conflicts(
    model: type[models.Model], columns: list[str], rows: list[tuple[Any, ...]], *, returning: list[str]
) -> list[tuple[Any, ...]]:
    """Stage the rows in a temporary table (COPY on PostgreSQL), then one ``INSERT … SELECT`` that skips
    the rows whose unique key exists (``ON CONFLICT DO NOTHING``, SQLite's ``INSERT OR IGNORE``) and
    returns the columns ``returning`` of those inserted. Inside the caller's transaction."""
    if not rows:
        return []
    qn = connection.ops.quote_name
    table, cols = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    back = ", ".join(qn(c) for c in returning)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"CREATE TEMP TABLE care_incoming ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"
            )
            with cur.cursor.copy(f"COPY care_incoming ({cols}) FROM STDIN") as copy:  # psycopg 3
                for r in rows:
                    copy.write_row(r)
            cur.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM care_incoming ON CONFLICT DO NOTHING"
                f" RETURNING {back}"
            )
        else:
            cur.execute(f"CREATE TEMP TABLE care_incoming AS SELECT {cols} FROM {table} WHERE 0")
            cur.executemany(
                f"INSERT INTO care_incoming ({cols}) VALUES ({', '.join(['%s'] * len(columns))})", rows
            )
            cur.execute(
                f"INSERT OR IGNORE INTO {table} ({cols}) SELECT {cols} FROM care_incoming RETURNING {back}"
            )
        made = [tuple(r) for r in cur.fetchall()]
        cur.execute("DROP TABLE care_incoming")
        return made


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


NEW_PART_PERSONS = 50_000  # new members whose facts, reasons and alerts one part of an evaluation holds


def _by_person(pairs: list[tuple[int, int]], persons: int) -> Iterable[list[tuple[int, int]]]:
    """``pairs`` (person, rule), sorted by person, in parts of at most ``persons`` persons each; a
    person's pairs are never split between two parts."""
    start, seen, last = 0, 0, None
    for i, (p, _) in enumerate(pairs):
        if p != last:
            if seen == persons:
                yield pairs[start:i]
                start, seen = i, 0
            seen, last = seen + 1, p
    if start < len(pairs):
        yield pairs[start:]


# --- rules ------------------------------------------------------------------------------------------


def rule_condition_check(condition: Any) -> dict[str, Any]:
    """The condition if every field, tag and operator it names is known; else 422 naming it."""
    try:
        eng.validate(condition, selectors.TAGS)
    except eng.RuleError as exc:
        raise invalid("condition", exc.message, exc.code) from exc
    return dict(condition)


def rule_save(
    *,
    actor: User,
    rule: CareRule | None = None,
    code: str = "",
    name: str,
    condition: Any,
    frequency: str,
    visitor: str,
    description: str = "",
    checklist: list[str] | None = None,
    policy_item: str = "",
    policy_label: str = "",
    active: bool = True,
) -> CareRule:
    """Create or change a care group's rule (the district's to edit)."""
    if effective_role(actor) not in RULE_EDITORS:
        raise Forbidden("关爱人群规则由区（县）民政部门维护", code="care.rule_not_editor")
    condition = rule_condition_check(condition)
    if frequency not in ("", periods.MONTHLY, periods.QUARTERLY):
        raise invalid("frequency", "巡访频次应为每月、每季度或不需巡访", "care.rule_frequency")
    if visitor not in Visitor.values:
        raise invalid(
            "visitor", "巡访人应为网格员、儿童主任、社会救助协理员或社会工作者", "care.rule_visitor"
        )
    if not frequency and not policy_item:
        raise invalid("frequency", "规则应至少规定巡访频次或可能符合的政策", "care.rule_empty")
    name = (name or "").strip()
    if len(name) < 2:
        raise invalid("name", "请填写人群名称", "care.rule_name")
    items = [c.strip()[:40] for c in (checklist or []) if c.strip()][:12]
    fields = dict(
        name=name[:40],
        condition=condition,
        frequency=frequency,
        visitor=visitor,
        description=description[:300],
        checklist=items,
        policy_item=policy_item,
        policy_label=policy_label[:40],
        active=active,
        updated_by=actor,
        updated_at=timezone.now(),
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                if rule is None:
                    if not code:
                        raise invalid("code", "请填写编码", "care.rule_code")
                    rule = CareRule.objects.create(code=code, **fields)
                else:
                    for k, v in fields.items():
                        setattr(rule, k, v)
                    rule.save()
        except IntegrityError as exc:
            raise Conflict(
                "name", f"已有名为“{name}”或编码相同的人群规则", code="care.rule_duplicate"
            ) from exc
    return rule


POST_MANAGERS = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
CARE_POSTS = (Visitor.CHILD_DIRECTOR, Visitor.ASSISTANCE_ASSISTANT, Visitor.SOCIAL_WORKER)
STAFF_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR})


def _require_post_manager(actor: User, region: Any) -> None:
    if effective_role(actor) not in POST_MANAGERS:
        raise Forbidden("关爱岗位由社区工作人员或街道（乡镇）工作人员指定", code="care.post_not_permitted")
    if not region_in_scope(actor, region):
        raise OutOfScope(f"{region.name}不在本账号的数据范围内")


def care_worker_assign(
    *, actor: User, region: Any, post: str, user: User, since: dt.date | None = None
) -> CareWorker:
    """Designate the community's 儿童主任 / 社会救助协理员 / social worker from ``since`` (default today);
    the previous holder's designation ends that day and stays as the post's history, and the post's
    visits still open in the community pass to the new holder."""
    _require_post_manager(actor, region)
    if post not in CARE_POSTS:
        raise invalid("post", "岗位应为儿童主任、社会救助协理员或社会工作者", "care.post_invalid")
    if len(region.code) != 12:
        raise invalid("region", "关爱岗位按社区（村）设置", "care.post_region")
    street = region.code[:9]
    if (
        not user.is_active
        or effective_role(user) not in STAFF_ROLES
        or not (user.region_code or "").startswith(street)
    ):
        raise invalid("user", "应指定本街道（乡镇）在岗的网格员或社区工作人员账号", "care.post_user_invalid")
    today = timezone.localdate()
    since = since or today
    if since > today:
        raise invalid("since", "任职日期不能晚于今天", "care.post_since_future")
    with transaction.atomic():
        current = CareWorker.objects.select_for_update().filter(region=region, post=post, active=True).first()
        if current is not None:
            if current.user_id == user.pk:
                raise Conflict("user", f"{user}已在此岗位", code="care.post_same_holder")
            if since < current.since:
                raise invalid(
                    "since",
                    f"任职日期不能早于前任的任职日期（{current.since:%Y-%m-%d}）",
                    "care.post_since_before",
                )
            CareWorker.objects.filter(pk=current.pk).update(
                active=False, until=since, end_reason="由新任接替", ended_by=actor
            )
        worker = CareWorker.objects.create(
            region=region, post=post, user=user, since=since, assigned_by=actor
        )
        # the post's visits still open in the community are now the new holder's (one UPDATE)
        Visit.objects.filter(
            region__code__startswith=region.code,
            visitor=post,
            status__in=[VisitStatus.DUE, VisitStatus.OVERDUE],
        ).update(assigned_to=user)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            subject=worker,
            subject_label=f"{region.name}{worker.get_post_display()}：{user}",
        )
    return worker


def care_worker_end(
    *, actor: User, worker: CareWorker, until: dt.date | None = None, reason: str = ""
) -> CareWorker:
    """End a designation on ``until`` (default today): it stays in the post's history; the post is
    then vacant (flagged on the community's and street's pages) until someone is designated."""
    _require_post_manager(actor, worker.region)
    today = timezone.localdate()
    until = until or today
    if until > today:
        raise invalid("until", "离岗日期不能晚于今天", "care.post_until_future")
    if until < worker.since:
        raise invalid(
            "until", f"离岗日期不能早于任职日期（{worker.since:%Y-%m-%d}）", "care.post_until_before"
        )
    with transaction.atomic():
        n = CareWorker.objects.filter(pk=worker.pk, active=True).update(
            active=False, until=until, end_reason=(reason or "").strip()[:100], ended_by=actor
        )
        if not n:
            raise Conflict("worker", "该岗位任职已经结束", code="care.post_ended")
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            subject=worker,
            subject_label=f"{worker.region.name}{worker.get_post_display()}离岗：{worker.user}",
        )
    worker.refresh_from_db()
    return worker


# --- evaluation -------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    matched: dict[str, int] = field(default_factory=dict)  # rule code → persons matched
    opened: int = 0  # memberships opened
    ended: int = 0
    files_opened: int = 0
    files_closed: int = 0
    alerts: int = 0


def rules_key(rules: Sequence[CareRule]) -> str:
    """A fingerprint of the active rules' conditions: a nightly run whose rules differ from the last
    run's evaluates everyone (whatever path the rule was edited by)."""
    text = json.dumps([[r.pk, r.condition] for r in sorted(rules, key=lambda r: r.pk)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def care_evaluate_nightly(
    *, day: dt.date | None = None, full: bool = False
) -> tuple[Evaluation, EvaluationRun]:
    """The night's evaluation. Every registry write through the services re-evaluates its persons at
    once (``on_registry_change``), so a night only has to look at what changes without a write: the
    persons ``selectors.changed_since`` the last run. Everyone is evaluated the first night, when the
    rules changed since the last run, when the last run is dated after ``day``, or when asked."""
    day = day or timezone.localdate()
    started, t0 = timezone.now(), time.perf_counter()
    rules = list(CareRule.objects.filter(active=True))
    key = rules_key(rules)
    person_mark = Person.objects.aggregate(m=Max("pk"))["m"] or 0
    tag_mark = PersonTag.objects.aggregate(m=Max("pk"))["m"] or 0
    runs = list(EvaluationRun.objects.order_by("-pk")[:2])
    persons: int | None = None
    if full or not runs or runs[0].rules_key != key or runs[0].day > day:
        full, result = True, care_evaluate(day=day)
    else:
        before = runs[-1]  # the run before the last: its marks overlap a day
        ids = selectors.changed_since(
            rules, runs[0].day, day, person_after=before.person_mark, tag_after=before.tag_mark
        )
        persons = len(ids)
        result = care_evaluate(day=day, person_ids=ids) if ids else Evaluation()
    run = EvaluationRun.objects.create(
        day=day,
        full=full,
        started_at=started,
        seconds=round(time.perf_counter() - t0, 3),
        persons=persons,
        person_mark=person_mark,
        tag_mark=tag_mark,
        rules_key=key,
    )
    # a season of records is enough; the last two (whose marks the next nights read) always stay
    last_two = [run.pk, *(r.pk for r in runs[:1])]
    EvaluationRun.objects.exclude(pk__in=last_two).filter(
        started_at__lt=started - dt.timedelta(days=90)
    ).delete()
    return result, run


def _end_reason(status: str, rule: CareRule) -> str:
    if status == PersonStatus.DECEASED:
        return "死亡"
    if status == PersonStatus.MOVED_OUT:
        return "迁出"
    return f"不再符合“{rule.name}”条件"


def care_evaluate(
    *, day: dt.date | None = None, person_ids: Iterable[int] | None = None, alerts: bool = True
) -> Evaluation:
    """Evaluate every active rule (over the whole registry, or over ``person_ids`` and their
    households' members) and bring files, memberships and alerts in line. Safe to rerun."""
    day = day or timezone.localdate()
    rules = list(CareRule.objects.filter(active=True))
    result = Evaluation()
    ids: list[int] | None = None
    if person_ids is not None:
        given = list(set(person_ids))
        households = Person.objects.filter(pk__in=given, household__isnull=False).values("household_id")
        ids = sorted(
            set(given) | set(Person.objects.filter(household_id__in=households).values_list("pk", flat=True))
        )
    matched: dict[int, set[int]] = {}  # rule id → person ids
    region_of: dict[int, int] = {}
    with bulk_reads():  # a city's tag sets hashed once, not rescanned per person
        for rule in rules:
            rows = selectors.rule_matches(rule, day, among=ids).values_list("pk", "region_id")
            got = set()
            for pk, region_id in rows.iterator(chunk_size=20000):
                got.add(pk)
                region_of[pk] = region_id
            matched[rule.pk] = got
            result.matched[rule.code] = len(got)
    with transaction.atomic():
        open_ms = CareMembership.objects.filter(until__isnull=True, rule__active=True)
        if ids is not None:
            open_ms = open_ms.filter(file__person_id__in=ids)
        current: dict[int, dict[int, int]] = defaultdict(dict)  # rule id → person id → membership id
        for m_id, person_id, rule_id in open_ms.values_list("pk", "file__person_id", "rule_id"):
            current[rule_id][person_id] = m_id
        # per rule, not as one set of (person, rule) pairs: a new city's first night matches millions
        new = sorted((p, r) for r, ps in matched.items() for p in ps if p not in current.get(r, ()))
        gone = [
            ((p, r), m) for r, cur in current.items() for p, m in cur.items() if p not in matched.get(r, ())
        ]
        del matched, current
        # files for the new matches: those never filed are inserted from the registry in one
        # INSERT … SELECT; closed ones reopen
        new_people = sorted({p for p, _ in new})
        files: dict[int, tuple[int, dt.date | None]] = {}
        whole = len(new_people) > selectors.WHOLE_REGISTRY  # read all files in one pass, not by id lists
        for part in [[]] if whole else _chunks(new_people):
            have = CareFile.objects.all() if whole else CareFile.objects.filter(person_id__in=part)
            for f_id, person_id, closed in have.values_list("pk", "person_id", "closed_on"):
                files[person_id] = (f_id, closed)
        missing = [p for p in new_people if p not in files]
        result.files_opened = _files_insert(missing, day)
        reopen = [files[p][0] for p in new_people if p in files and files[p][1] is not None]
        for part in _chunks(reopen):
            CareFile.objects.filter(pk__in=part).update(closed_on=None, closing_reason="", opened_on=day)
        result.files_opened += len(reopen)
        by_id = {r.pk: r for r in rules}
        # why each new member is in: the engine's words, once per distinct set of facts; a part of the
        # new members at a time, with their alerts (a city's first night holds no million facts at once)
        memo: dict[Any, str] = {}
        alerted: set[int] = set()  # the regions alerts were raised in
        for members in _by_person(new, NEW_PART_PERSONS):
            facts = selectors.facts_for(sorted({p for p, _ in members}), day)
            why = {(p, r): selectors.explain(by_id[r], facts[p], memo) for p, r in members}
            _memberships_insert(members, why, day)
            if alerts:
                raised = _alerts_raise(members, by_id, why, day, region_of)
                result.alerts += len(raised)
                alerted.update(raised)
        result.opened = len(new)
        # memberships no longer matched
        if gone:
            statuses = dict(
                Person.objects.filter(pk__in={p for (p, _), _ in gone}).values_list("pk", "status")
            )
            by_reason: dict[str, list[int]] = defaultdict(list)
            for (p, r), m_id in gone:
                by_reason[_end_reason(statuses.get(p, ""), by_id[r])].append(m_id)
            for reason, m_ids in by_reason.items():
                for part in _chunks(m_ids):
                    CareMembership.objects.filter(pk__in=part).update(until=day, end_reason=reason)
            result.ended = len(gone)
            touched = sorted({p for (p, _), _ in gone})
            for part in _chunks(touched):
                empty = (
                    CareFile.objects.filter(person_id__in=part, closed_on__isnull=True)
                    .exclude(memberships__until__isnull=True)
                    .values_list("pk", flat=True)
                )
                for f_id in list(empty):
                    reasons = list(
                        CareMembership.objects.filter(file_id=f_id, until=day).values_list(
                            "end_reason", flat=True
                        )
                    )
                    CareFile.objects.filter(pk=f_id).update(
                        closed_on=day,
                        closing_reason="；".join(dict.fromkeys(reasons))[:200] or "不再符合任何关爱人群条件",
                    )
                    result.files_closed += 1
        if ids is None:
            alert_counts_rebuild()
            group_counts_rebuild()
        else:  # the communities the evaluation raised alerts in, and those whose groups changed
            if alerted:
                raised_in = Region.objects.filter(pk__in=alerted).values_list("code", flat=True)
                alert_counts_rebuild(sorted({code[:12] for code in raised_in}))
            if new or gone:
                changed = {p for p, _ in new} | {p for (p, _), _ in gone}
                filed_in = CareFile.objects.filter(person_id__in=changed).values_list(
                    "region__code", flat=True
                )
                group_counts_rebuild(sorted({code[:12] for code in filed_in}))
    return result


def _alerts_raise(
    new: list[tuple[int, int]],
    rules: dict[int, CareRule],
    reasons: dict[tuple[int, int], str],
    day: dt.date,
    region_of: dict[int, int],
) -> list[int]:
    """政策找人: a new match of a rule with a policy raises an alert, unless the person already applied
    for that item or an alert of that rule was already raised for the file. The regions of the alerts
    raised, one per alert."""

    policy = [(p, r) for p, r in new if rules[r].policy_item]
    if not policy:
        return []
    people = {p for p, _ in policy}
    file_of = dict(CareFile.objects.filter(person_id__in=people).values_list("person_id", "pk"))
    items = {rules[r].policy_item for _, r in policy}
    applied = set(
        Application.objects.filter(item__code__in=items, person_id__in=people).values_list(
            "person_id", "item__code"
        )
    )
    seen = set(Alert.objects.filter(file_id__in=file_of.values()).values_list("file_id", "rule_id"))
    rows = [
        Alert(
            file_id=file_of[p],
            rule_id=r,
            region_id=region_of[p],
            reason=reasons[(p, r)][:200],
            raised_on=day,
        )
        for p, r in policy
        if (p, rules[r].policy_item) not in applied and (file_of[p], r) not in seen
    ]
    Alert.objects.bulk_create(rows, batch_size=2000)
    return [a.region_id for a in rows]


def _files_insert(people: list[int], day: dt.date) -> int:
    """Open a file for each of ``people`` (never filed before): one INSERT … SELECT from the registry."""
    if not people:
        return 0
    among, param = selectors.among_ids(people)
    pg = connection.vendor == "postgresql"
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {CareFile._meta.db_table} (person_id, region_id, opened_on, closing_reason,"
            " living_conditions, health, income_source, guardians, emergency_contacts, need_level,"
            " assessment, updated_at)"
            f" SELECT id, region_id, %s, '', '', '', '', '', '', '', '', %s FROM {Person._meta.db_table}"
            f" WHERE id {among}",
            [
                day if pg else day.isoformat(),
                now if pg else now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" "),
                param,
            ],
        )
        return cur.rowcount


def _memberships_insert(new: list[tuple[int, int]], reasons: dict[tuple[int, int], str], day: dt.date) -> int:
    """The memberships of the new matches, each with its explanation, joined to their files in one
    INSERT … SELECT (the (person, rule, reason) triples go as one parameter)."""
    if not new:
        return 0
    table, files = CareMembership._meta.db_table, CareFile._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"INSERT INTO {table} (file_id, rule_id, since, reason, end_reason)"
                " SELECT f.id, x.rule_id, %s, x.reason, ''"
                " FROM unnest(%s::integer[], %s::integer[], %s::text[]) AS x(person_id, rule_id, reason)"
                f" JOIN {files} f ON f.person_id = x.person_id",
                [day, [p for p, _ in new], [r for _, r in new], [reasons[k][:200] for k in new]],
            )
        else:
            cur.execute(
                f"INSERT INTO {table} (file_id, rule_id, since, reason, end_reason)"
                " SELECT f.id, json_extract(x.value, '$[1]'), %s, json_extract(x.value, '$[2]'), ''"
                f" FROM json_each(%s) x JOIN {files} f ON f.person_id = json_extract(x.value, '$[0]')",
                [
                    day.isoformat(),
                    json.dumps([[p, r, reasons[(p, r)][:200]] for p, r in new], ensure_ascii=False),
                ],
            )
        return cur.rowcount


# --- visits -----------------------------------------------------------------------------------------


VISIT_FIELDS = [
    "file",
    "rule",
    "region",
    "period_start",
    "due_on",
    "visitor",
    "assigned_to",
    "staff",
    "status",
    "visited_at",
    "answers",
    "note",
    "synthetic",
]


# --- the monthly tally (VisitMonth), kept by delta ----------------------------------------------------

# (month, community code, rule) → [owed, visited, overdue]
Tally = dict[tuple[dt.date, str, int], list[int]]


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def tally_add(tally: Tally, *, code: str, rule_id: int, due_on: Any, status: str, sign: int = 1) -> None:
    """Count (``sign`` 1) or uncount (−1) one visit of ``status`` in ``tally``."""
    key = (_as_date(due_on).replace(day=1), code[:12], rule_id)
    row = tally.setdefault(key, [0, 0, 0])
    row[0] += sign
    row[1] += sign * (status == VisitStatus.DONE)
    row[2] += sign * (status == VisitStatus.OVERDUE)


def visit_tally_apply(tally: Tally) -> None:
    """Add ``tally`` to the monthly summary: ``INSERT … ON CONFLICT DO UPDATE SET n = n + d``, the keys
    in one fixed order (two writers never wait on each other's rows crosswise). Inside the caller's
    transaction: the summary moves with the visits it counts."""
    rows = [(m, code, rule, *v) for (m, code, rule), v in sorted(tally.items()) if any(v)]
    if not rows:
        return
    pg = connection.vendor == "postgresql"
    table = VisitMonth._meta.db_table
    with connection.cursor() as cur:
        for i in range(0, len(rows), 500):
            part = rows[i : i + 500]
            params: list[Any] = [
                v if pg or not isinstance(v, dt.date) else v.isoformat() for r in part for v in r
            ]
            cur.execute(
                f"INSERT INTO {table} (month, region_code, rule_id, owed, visited, overdue) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(part))
                + " ON CONFLICT (month, region_code, rule_id) DO UPDATE SET"
                f" owed = {table}.owed + excluded.owed, visited = {table}.visited + excluded.visited,"
                f" overdue = {table}.overdue + excluded.overdue",
                params,
            )


def _recount(
    model: type[GroupCount] | type[AlertCount], counted: QuerySet[Any], path: str, codes: Sequence[str] | None
) -> int:
    """Recount a kept count per community and rule (``model``) from ``counted`` (rows whose region code
    is at ``path``): of the communities ``codes`` (12 digits), or of everything. One DELETE and one
    ``INSERT … SELECT … GROUP BY``; the number of rows written.

    On PostgreSQL the table is locked first (``EXCLUSIVE``: readers go on, other recounts and the
    writers' deltas wait), so two recounts in one community at once run one after the other: the
    second's DELETE then sees the first's rows, and its INSERT the first's rows counted, instead of
    breaking the unique ``(region_code, rule)`` key; and a delta waiting on the lock lands after the
    recount, which did not see its uncommitted write. Callers take the lock last in their transaction,
    after every other write, so no recount waits on a row another holds."""
    existing = model.objects.all()
    if codes is not None:
        if not codes:
            return 0
        counted = counted.filter(subtrees_q(list(codes), path))
        existing = existing.filter(subtrees_q(list(codes), "region_code"))
    grouped = (
        counted.annotate(_c=Substr(path, 1, 12)).values("_c", "rule_id").annotate(_n=Count("pk")).order_by()
    )
    sql, params = grouped.query.sql_with_params()
    table = model._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        existing.delete()
        cur.execute(f"INSERT INTO {table} (region_code, rule_id, n) {sql}", params)
        return cur.rowcount


def group_counts_rebuild(codes: Sequence[str] | None = None) -> int:
    """Recount ``GroupCount`` from the open memberships (``_recount``)."""
    return _recount(
        GroupCount, CareMembership.objects.filter(until__isnull=True), "file__region__code", codes
    )


def alert_counts_rebuild(codes: Sequence[str] | None = None) -> int:
    """Recount ``AlertCount`` from the open alerts (``_recount``)."""
    return _recount(AlertCount, Alert.objects.filter(status=AlertStatus.OPEN), "region__code", codes)


def _alert_counted_off(alert: Alert) -> None:
    """An alert decided: one off its community's kept count (inside the deciding transaction)."""
    AlertCount.objects.filter(region_code=alert.region.code[:12], rule_id=alert.rule_id, n__gt=0).update(
        n=F("n") - 1
    )


def visit_tallies_rebuild() -> int:
    """Recount the monthly summary from the visits (the nightly job; after a bulk load): one DELETE and
    one ``INSERT … SELECT … GROUP BY``. On PostgreSQL the summary is locked against the writers' deltas
    meanwhile, so a visit recorded during the recount is counted once: by the recount if it committed
    before, by its own delta after. Returns the number of summary rows."""
    counted = (
        Visit.objects.annotate(_m=TruncMonth("due_on"), _c=Substr("region__code", 1, 12))
        .values("_m", "_c", "rule_id")
        .annotate(
            _owed=Count("pk"),
            _visited=Count("pk", filter=Q(status=VisitStatus.DONE)),
            _overdue=Count("pk", filter=Q(status=VisitStatus.OVERDUE)),
        )
        .order_by()
    )
    sql, params = counted.query.sql_with_params()
    table = VisitMonth._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {table}")
        cur.execute(
            f"INSERT INTO {table} (month, region_code, rule_id, owed, visited, overdue) {sql}", params
        )
        return cur.rowcount


def visits_generate(*, day: dt.date | None = None) -> int:
    """Create the visits owed in the period containing ``day`` for every open membership of a rule
    with a frequency, assigned to the responsible worker. Safe to rerun (one row per file, rule and
    period)."""
    day = day or timezone.localdate()
    grids: dict[str, int] | None = None
    staff: dict[str, int] = {}
    held = selectors.posts()
    made = 0
    for rule in CareRule.objects.filter(active=True).exclude(frequency=""):
        start, end = periods.period_of(day, rule.frequency)
        start_s, end_s = (
            start.isoformat(),
            end.isoformat(),
        )  # as the backend stores them: no per-row conversion
        # NOT EXISTS, an anti-join: NOT IN a city's month of visits is a subplan PostgreSQL rescans
        # for every membership once its hash outgrows work_mem
        have = Visit.objects.filter(rule=rule, period_start=start, file_id=OuterRef("file_id"))
        rows = (
            CareMembership.objects.filter(
                rule=rule, until__isnull=True, since__lte=end, file__closed_on__isnull=True
            )
            .exclude(Exists(have))
            .values_list("file_id", "file__person__region_id", "file__person__region__code")
        )
        todo = list(rows)
        if not todo:
            continue
        codes = {code for _, _, code in todo}
        if grids is None:
            grids, staff = selectors.grid_workers(codes), selectors.grid_staff(codes)
        else:
            grids.update(selectors.grid_workers(codes - set(staff)))
            staff.update(selectors.grid_staff(codes - set(staff)))
        with transaction.atomic():  # a plan run at the same time may have inserted some: skipped
            code_of = {f: code for f, _, code in todo}
            inserted = rows_insert_new(
                Visit,
                VISIT_FIELDS,
                [
                    (
                        f,
                        rule.pk,
                        region_id,
                        start_s,
                        end_s,
                        rule.visitor,
                        selectors.responsible(rule.visitor, code, grids, held),
                        staff.get(code) if rule.visitor == Visitor.GRID_WORKER else None,
                        VisitStatus.DUE,
                        None,
                        "{}",
                        "",
                        False,
                    )
                    for f, region_id, code in todo
                ],
                returning=["file"],
            )
            tally: Tally = {}
            for (f,) in inserted:
                tally_add(tally, code=code_of[f], rule_id=rule.pk, due_on=end, status=VisitStatus.DUE)
            visit_tally_apply(tally)
            made += len(inserted)
    return made


def visits_mark_overdue(*, today: dt.date | None = None) -> int:
    """A visit still due after its period's last day becomes overdue (one UPDATE)."""
    today = today or timezone.localdate()
    table, regions = Visit._meta.db_table, Region._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET status = %s WHERE status = %s AND due_on < %s"
            f" RETURNING (SELECT code FROM {regions} WHERE {regions}.id = {table}.region_id), rule_id, due_on",
            [
                VisitStatus.OVERDUE,
                VisitStatus.DUE,
                today if connection.vendor == "postgresql" else today.isoformat(),
            ],
        )
        marked = cur.fetchall()
        tally: Tally = {}
        for code, rule_id, due_on in marked:
            tally_add(tally, code=code, rule_id=rule_id, due_on=due_on, status=VisitStatus.DUE, sign=-1)
            tally_add(tally, code=code, rule_id=rule_id, due_on=due_on, status=VisitStatus.OVERDUE)
        visit_tally_apply(tally)
    return len(marked)


def _answers_clean(rule: CareRule, answers: dict[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (answers or {}).items():
        if key not in rule.checklist:
            raise invalid("answers", f"“{key}”不是本人群的巡访清单项", "care.visit_answer_unknown")
        if value not in ("正常", "需关注"):
            raise invalid("answers", f"“{key}”应填写正常或需关注", "care.visit_answer_invalid")
        out[key] = value
    return out


def visit_record(
    *,
    actor: User,
    visit: Visit,
    visited_at: dt.datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    answers: dict[str, str] | None = None,
    note: str = "",
    photos: Sequence[UploadedFile] = (),
    next_visit_on: dt.date | None = None,
    need_category: str = "",
    need_description: str = "",
    now: dt.datetime | None = None,
) -> Visit:
    """Record a visit done on the phone. Also marks done the worker's other visits of the same file in
    the same period (one visit serves every group). A need raised on the spot goes into the three
    lists and is kept as a referral of the visit."""
    _require_worker(actor)
    try:
        require_object_in_scope(actor, visit)
    except OutOfScope as exc:
        raise OutOfScope("该走访对象不在本账号的数据范围内") from exc
    now = now or timezone.now()
    visited_at = visited_at or now
    if visited_at > now + dt.timedelta(minutes=5):
        raise invalid("visited_at", "到访时间不能晚于现在", "care.visit_in_future")
    local_day = timezone.localdate(visited_at)
    if local_day < visit.period_start:
        raise invalid(
            "visited_at",
            f"到访日期早于本期巡访（{visit.period_start:%Y-%m-%d} 起）",
            "care.visit_before_period",
        )
    if local_day > visit.due_on:
        raise invalid(
            "visited_at",
            f"本期巡访已于 {visit.due_on:%Y-%m-%d} 结束，请记录当期的巡访",
            "care.visit_period_over",
        )
    if (lat is None) != (lon is None) or (
        lat is not None and not (-90 <= lat <= 90 and -180 <= float(lon or 0) <= 180)
    ):
        raise invalid("lat", "到访位置不正确", "care.visit_position")
    if next_visit_on is not None and next_visit_on <= local_day:
        raise invalid("next_visit_on", "下次巡访日期应晚于本次", "care.visit_next_date")
    clean = _answers_clean(visit.rule, answers)
    if len(photos) > MAX_PHOTOS:
        raise invalid("photos", f"最多上传 {MAX_PHOTOS} 张照片", "care.visit_photos_too_many")
    prepared = [image_reencode(p.read(), field="photos", label=p.name or "照片") for p in photos]
    need_term = None
    if need_description.strip():
        need_term = TaxonomyTerm.objects.filter(code=need_category or "elderly_home").first()
        if need_term is None:
            raise invalid("need_category", "需求类别不存在", "care.referral_target_unknown")
    fields = dict(
        status=VisitStatus.DONE,
        visited_at=visited_at,
        lat=lat,
        lon=lon,
        answers=clean,
        note=note.strip()[:500],
        next_visit_on=next_visit_on,
        recorded_by=actor,
    )
    open_ = [VisitStatus.DUE, VisitStatus.OVERDUE]
    with transaction.atomic():
        # the visit and the worker's other open visits of the file in the period, locked, with what the
        # monthly summary counted them as
        serves = list(
            Visit.objects.select_for_update(of=("self",))
            .filter(
                Q(pk=visit.pk)
                | Q(
                    file_id=visit.file_id,
                    period_start__lte=local_day,
                    due_on__gte=local_day,
                    visitor=visit.visitor,
                ),
                status__in=open_,
            )
            .order_by("pk")
            .values_list("pk", "status", "region__code", "rule_id", "due_on")
        )
        if visit.pk not in {row[0] for row in serves}:
            raise Conflict("visit", "这次巡访已经记录过了", code="care.visit_already_done")
        Visit.objects.filter(pk__in=[row[0] for row in serves], status__in=open_).update(**fields)
        tally: Tally = {}
        for _, status, code, rule_id, due_on in serves:
            tally_add(tally, code=code, rule_id=rule_id, due_on=due_on, status=status, sign=-1)
            tally_add(tally, code=code, rule_id=rule_id, due_on=due_on, status=VisitStatus.DONE)
        visit_tally_apply(tally)
        for content in prepared:
            VisitPhoto.objects.create(visit=visit, image=content)
        visit.refresh_from_db()
        if need_term is not None:
            need = need_create(
                actor=actor,
                category=need_term,
                description=need_description.strip(),
                source=NeedSource.VISIT,
                person=visit.file.person,
                source_label="关爱巡访",
            )
            Referral.objects.create(
                file=visit.file,
                visit=visit,
                region=visit.region,
                kind=ReferralKind.NEED,
                target_id=need.pk,
                summary=need_description.strip()[:300],
                created_by=actor,
            )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            subject=visit,
            subject_label=f"{visit.file.person.name}的巡访记录",
        )
    return visit


# --- 政策找人 ---------------------------------------------------------------------------------------


def alert_confirm(*, actor: User, alert: Alert, provided: Iterable[str] = (), note: str = "") -> Alert:
    """The worker confirms the alert: the one-window application of the rule's policy is started for
    the person, and kept as a referral until it is done."""
    _require_worker(actor)
    require_object_in_scope(actor, alert)

    item = ServiceItem.objects.filter(code=alert.rule.policy_item, active=True).first()
    if item is None:
        raise invalid(
            "item",
            f"一窗事项“{alert.rule.policy_label or alert.rule.policy_item}”不存在或已停用",
            "care.referral_target_unknown",
        )
    with transaction.atomic():
        taken = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
            status=AlertStatus.CONFIRMED, decided_by=actor, decided_at=timezone.now()
        )
        if not taken:
            raise Conflict("alert", "该预警已经处理过了", code="care.alert_decided")
        _alert_counted_off(alert)
        app = application_submit(
            actor=actor,
            item=item,
            person=alert.file.person,
            provided=provided,
            note=(note or f"政策找人：{alert.reason}")[:300],
        )
        Alert.objects.filter(pk=alert.pk).update(application_id=app.pk)
        Referral.objects.create(
            file=alert.file,
            region=alert.region,
            kind=ReferralKind.APPLICATION,
            target_id=app.pk,
            summary=f"可能符合{alert.rule.policy_label}：{alert.reason}"[:300],
            created_by=actor,
        )
    alert.refresh_from_db()
    return alert


def alert_dismiss(*, actor: User, alert: Alert, reason: str) -> Alert:
    _require_worker(actor)
    require_object_in_scope(actor, alert)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise invalid("reason", "请填写排除原因（至少 2 个字）", "care.alert_reason_required")
    with transaction.atomic():
        taken = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
            status=AlertStatus.DISMISSED,
            dismiss_reason=reason[:200],
            decided_by=actor,
            decided_at=timezone.now(),
        )
        if not taken:
            raise Conflict("alert", "该预警已经处理过了", code="care.alert_decided")
        _alert_counted_off(alert)
    alert.refresh_from_db()
    return alert


# --- referrals --------------------------------------------------------------------------------------


def referral_create(
    *,
    actor: User,
    file: CareFile,
    kind: str,
    summary: str,
    target: str = "",
    visit: Visit | None = None,
) -> Referral:
    """转介 to the right handler: ``case`` (``target`` a request category code), ``need`` (a service
    category code), ``application`` (a one-window item code) or ``social_case`` (``target`` the account
    of a social worker of the street, or empty: the community's social worker, else the 社工站 assigns
    one). The handler's own service makes its record; the referral keeps its id."""
    _require_worker(actor)
    require_object_in_scope(actor, file)
    summary = (summary or "").strip()
    if len(summary) < 2:
        raise invalid("summary", "请填写转介事由（至少 2 个字）", "care.referral_summary_required")
    if kind not in ReferralKind.values:
        raise invalid("kind", "转介去向应为诉求、需求清单、一窗受理或社工个案", "care.referral_kind_unknown")
    if visit is not None and visit.file_id != file.pk:
        raise invalid("visit", "该巡访不属于本档案", "care.referral_visit_mismatch")
    person = file.person
    unknown = invalid("target", f"转介去向“{target}”不存在", "care.referral_target_unknown")
    with transaction.atomic():
        if kind == ReferralKind.CASE:
            category = Category.objects.filter(code=target or "elderly_care.help", active=True).first()
            if category is None:
                raise unknown
            building = person.household.building_id if person.household_id and person.household else None
            made: Any = case_create(
                by=actor,
                category=category,
                description=summary,
                channel="patrol",
                building_id=building,
                grid=file.region.code if len(file.region.code) > 12 else "",
            )
        elif kind == ReferralKind.NEED:
            term = TaxonomyTerm.objects.filter(code=target or "elderly_home").first()
            if term is None:
                raise unknown
            made = need_create(
                actor=actor,
                category=term,
                description=summary,
                source=NeedSource.VISIT,
                person=person,
                source_label="关爱巡访转介",
            )
        elif kind == ReferralKind.APPLICATION:
            item = ServiceItem.objects.filter(code=target, active=True).first()
            if item is None:
                raise unknown
            made = application_submit(actor=actor, item=item, person=person, note=summary[:300])
        else:
            community = selectors.community_code(file.region.code)
            if target:
                chosen = {str(pk): pk for pk, _ in selectors.social_workers(community)}
                if target not in chosen:
                    raise invalid("target", "所选社工不在本街道的社工岗位上", "care.referral_target_unknown")
                worker: int | None = chosen[target]
            else:
                worker = selectors.posts().get((community, Visitor.SOCIAL_WORKER))
            made = SocialCase.objects.create(
                file=file, region=file.region, worker_id=worker, goal=summary[:300]
            )
        referral = Referral.objects.create(
            file=file,
            visit=visit,
            region=file.region,
            kind=kind,
            target_id=made.pk,
            summary=summary[:300],
            created_by=actor,
        )
    return referral


def referrals_sync(*, referrals: QuerySet[Referral] | None = None) -> int:
    """Close the open referrals whose request, need or application was closed by its handler, with
    the outcome it reached and the handler's words (read through the handler's selectors); one
    conditional UPDATE each, so a worker closing one at the same time wins or loses cleanly."""
    qs = Referral.objects.filter(closed_at__isnull=True).exclude(kind=ReferralKind.SOCIAL_CASE)
    if referrals is not None:
        qs = qs.filter(pk__in=referrals.values("pk"))
    open_ = list(qs.only("pk", "kind", "target_id"))
    closed = 0
    now = timezone.now()
    for pk, progress in selectors.referral_progress(open_).items():
        if not progress.final:
            continue
        note = f"{progress.label}{progress.state}" + (f"：{progress.result}" if progress.result else "")
        closed += Referral.objects.filter(pk=pk, closed_at__isnull=True).update(
            outcome=selectors.outcome_of(progress), outcome_note=note[:300], closed_at=now
        )
    return closed


def referral_close(*, actor: User, referral: Referral, outcome: str, note: str = "") -> Referral:
    """Close a referral with its outcome (the file shows it until then)."""
    _require_worker(actor)
    require_object_in_scope(actor, referral)
    if outcome not in ReferralOutcome.values or outcome == ReferralOutcome.OPEN:
        raise invalid("outcome", "请选择转介结果", "care.referral_outcome")
    with transaction.atomic():
        n = Referral.objects.filter(pk=referral.pk, closed_at__isnull=True).update(
            outcome=outcome, outcome_note=(note or "").strip()[:300], closed_at=timezone.now()
        )
        if not n:
            raise Conflict("referral", "该转介已经结束", code="care.referral_closed")
        if referral.kind == ReferralKind.SOCIAL_CASE:
            SocialCase.objects.filter(pk=referral.target_id, closed_at__isnull=True).update(
                closed_at=timezone.now(), closing_note=(note or "")[:300]
            )
    referral.refresh_from_db()
    return referral


# --- files ------------------------------------------------------------------------------------------

FILE_TEXT = {  # field → its length
    "living_conditions": 300,
    "health": 300,
    "income_source": 200,
    "guardians": 200,
    "emergency_contacts": 200,
    "assessment": 500,
}


def file_update(
    *, actor: User, file: CareFile, need_level: str = "", assessed_on: dt.date | None = None, **text: str
) -> CareFile:
    """Update the situation and assessment of a file (the assessment carries its date and level)."""
    _require_worker(actor)
    require_object_in_scope(actor, file)
    unknown = set(text) - set(FILE_TEXT)
    if unknown:
        raise ValidationError(f"未知的档案字段：{'、'.join(sorted(unknown))}", code="care.file_field_unknown")
    if need_level and need_level not in NeedLevel.values:
        raise invalid("need_level", "需求等级应为一般、较高或高", "care.file_level")
    today = timezone.localdate()
    if assessed_on is not None and assessed_on > today:
        raise invalid("assessed_on", "评估日期不能晚于今天", "care.file_assessed_future")
    if need_level and assessed_on is None:
        assessed_on = today
    with transaction.atomic():
        for k, v in text.items():
            setattr(file, k, (v or "").strip()[: FILE_TEXT[k]])
        file.need_level = need_level or file.need_level
        file.assessed_on = assessed_on or file.assessed_on
        file.updated_at = timezone.now()
        file.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, subject=file, subject_label=str(file))
    return file


def file_viewed(*, actor: User, file: CareFile) -> bool:
    """Audit a view of a file by anyone but its own worker; True when a record was written."""
    if selectors.is_file_worker(actor, file):
        return False
    audit_record(
        actor=actor,
        action=AuditAction.REVEAL,
        subject=file,
        subject_label=str(file),
        field="care_file",
        reason="查看关爱档案",
    )
    return True


def on_registry_change(*, person_ids: list[int], household_ids: list[int], by: Any = None) -> None:
    """The registry changed these persons (a tag, a status, a household): re-evaluate them and the
    members of the households concerned after the commit (政策找人)."""
    ids = set(person_ids)
    if household_ids:
        ids |= set(Person.objects.filter(household_id__in=household_ids).values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: care_evaluate(person_ids=sorted(ids)))
