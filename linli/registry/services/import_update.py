"""Imports in update mode (新增并更新): the register kept current by an Excel round trip.

Each row is keyed on the ID number (persons), the household code or the building code. The dry run
classifies every row as 新增 (created), 变更 (changed, with the fields old → new), 无变化 (unchanged)
or 拒绝 (refused, with the reasons); the import applies exactly that in one transaction, through the
same services the pages use (``person_update``, ``person_create``, the tag services), or nothing at
all when a row is refused. A key held by a record outside the account's scope reads as it does in a
create-only import: the number or the code is taken.

The file is read and checked outside any transaction (its progress can be seen meanwhile); only the
writes run inside one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linli.core.engine.crypto import mask_id_number, mask_phone
from linli.core.errors import Conflict
from linli.core.imports import ImportOutcome, Rollback, import_finish, import_progress
from linli.core.models import AuditAction, ImportRun, User
from linli.core.personal import cipher
from linli.core.roles import IMPORTERS, effective_role
from linli.core.scope import OutOfScope, scoped
from linli.core.services import audit_record
from linli.core.tabular import Column, ErrorReport, TableError, read_table
from linli.registry.engine import rows as rowcheck
from linli.registry.models import Building, Household, Person, PersonStatus, PersonTag, TagKind
from linli.registry.services._common import (
    BUILDING_ABSENT,
    ETHNICITY_SET,
    HOUSEHOLD_ABSENT,
    ID_NUMBER_TAKEN,
    PARENT_ABSENT,
    PARENT_KINDS,
    REGION_ABSENT,
)
from linli.registry.services._streaming import RegionCache
from linli.registry.services.columns import BUILDING_COLUMNS, HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from linli.registry.services.counts import counts_kept
from linli.registry.services.persons import person_create, person_tag_add, person_tag_end, person_update
from linli.registry.services.places import building_create, household_create

BATCH = 1000  # rows looked up together
ROWS_LISTED = 5000  # rows whose outcome the run keeps for its page (the counts cover every row)
OUTCOME_LABELS = {"created": "新增", "changed": "变更", "unchanged": "无变化", "refused": "拒绝"}
NO_TAGS = "无"
TAG_BY_LABEL = {label: kind for kind, label in TagKind.choices}
RELATION_LABEL = {v: k for k, v in reversed(list(rowcheck.RELATIONS.items()))}
RESIDENCE_LABEL = {v: k for k, v in rowcheck.RESIDENCE.items()}
BUILDING_KIND_LABEL = {v: k for k, v in rowcheck.BUILDING_KINDS.items()}


@dataclass
class Plan:
    """What the import does with one row."""

    row: int
    outcome: str  # created / changed / unchanged / refused
    key: str  # the row's key as the page shows it (an ID number masked)
    label: str  # a name or an address
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (column, old, new), masked
    data: dict[str, str] = field(default_factory=dict)  # the row's texts for the service
    target: Any = None  # the record a change applies to
    tags_add: list[str] = field(default_factory=list)
    tags_end: list[PersonTag] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "outcome": self.outcome,
            "key": self.key,
            "label": self.label,
            "changes": [list(c) for c in self.changes],
        }


Classify = Callable[[list[tuple[int, dict[str, str]]], ErrorReport], list[Plan]]
Apply = Callable[[Plan], list[str]]


def run_update(
    *,
    kind: str,
    raw: IO[bytes],
    filename: str,
    by: User,
    dry_run: bool,
    columns: list[Column],
    classify: Classify,
    apply: Apply,
    run: ImportRun | None = None,
) -> ImportOutcome:
    """Read and classify the whole file, then (not a dry run, no refused row) apply every plan at once."""
    if effective_role(by) not in IMPORTERS:
        raise OutOfScope("本账号的角色不能导入基础数据")
    started, t0 = timezone.now(), time.perf_counter()
    report = ErrorReport.for_columns(columns)
    plans: list[Plan] = []
    counts = dict.fromkeys(OUTCOME_LABELS, 0)
    listed: list[dict[str, Any]] = []
    rows_total = 0
    try:
        for batch in _batches(read_table(raw, columns, filename)):
            rows_total += len(batch)
            for plan in classify(batch, report):
                if plan.row in report.rows_with_errors:
                    plan.outcome = "refused"
                counts[plan.outcome] += 1
                if len(listed) < ROWS_LISTED:
                    listed.append(plan.as_dict())
                if plan.outcome in ("created", "changed") and not dry_run and not report:
                    plans.append(plan)
            if run is not None:
                import_progress(run, rows_total)
    except TableError as exc:
        report.add(1, "", str(exc))
    if rows_total == 0 and not report:
        report.add(2, "", "文件中没有数据行")
    _explain_refusals(listed, report)
    records: dict[str, list[str]] = {}
    if not report and not dry_run:
        try:
            with transaction.atomic():
                for done, plan in enumerate(plans, start=1):
                    try:
                        fields = apply(plan)
                    except (ValidationError, Conflict, OutOfScope) as exc:
                        report.add(plan.row, "", "；".join(_messages(exc)))
                        continue
                    if plan.outcome == "changed" and len(records) < 1000:
                        records[f"{kind}:{plan.target.pk}"] = fields
                    if run is not None and done % BATCH == 0:
                        import_progress(run, done)
                if report:
                    raise Rollback
        except Rollback:
            counts = dict.fromkeys(OUTCOME_LABELS, 0)
    return import_finish(
        kind=kind,
        label=kind,
        filename=filename,
        by=by,
        dry_run=dry_run,
        report=report,
        rows=rows_total,
        created=counts["created"],
        changed=counts["changed"],
        by_region={},
        started=started,
        t0=t0,
        run=run,
        summary={"mode": "update", "counts": counts, "rows_listed": listed},
        audit_detail={"records": records},
    )


def _batches(rows: Iterator[tuple[int, dict[str, str]]]) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _messages(exc: Exception) -> list[str]:
    return list(exc.messages) if isinstance(exc, ValidationError) else [str(exc)]


def _explain_refusals(listed: list[dict[str, Any]], report: ErrorReport) -> None:
    reasons: dict[int, list[str]] = {}
    for e in report.sorted():
        reasons.setdefault(e.row, []).append(f"{e.column}：{e.message}" if e.column else e.message)
    for item in listed:
        if item["row"] in reasons:
            item["outcome"], item["reasons"] = "refused", reasons[item["row"]]
    shown = {item["row"] for item in listed}
    for n, r in reasons.items():  # a problem of the file as a whole (row 1)
        if n not in shown and len(listed) < ROWS_LISTED:
            listed.append(
                {"row": n, "outcome": "refused", "key": "", "label": "", "changes": [], "reasons": r}
            )
    listed.sort(key=lambda item: item["row"])


def _code_ok(code: str) -> bool:
    """A region code of the right shape (a wrong one is reported by the row check, not again here)."""
    return code.isdigit() and len(code) in (12, 15)


def _diff(
    plan: Plan, head: dict[str, str], present: set[str], old: dict[str, str], new: dict[str, str]
) -> None:
    """Record the fields whose value changes (only those the file has), with old and new texts."""
    for key, new_text in new.items():
        if key in present and old.get(key, "") != new_text:
            plan.changes.append((head[key], old.get(key, "") or "（空）", new_text or "（空）"))


# --- persons ---------------------------------------------------------------------------------------


def _person_texts(p: Person) -> dict[str, str]:
    """A person's values as an export writes them (the phone masked, as the page shows it)."""
    return {
        "name": p.name,
        "phone": mask_phone(p.phone.reveal()) if p.phone else "",
        "household_code": p.household.code if p.household is not None else "",
        "relation": RELATION_LABEL.get(p.relation, ""),
        "residence_type": RESIDENCE_LABEL.get(p.residence_type, ""),
        "ethnicity": p.ethnicity,
        "region_code": p.region.code,
        "note": p.note,
    }


def _tag_cell(text: str) -> tuple[set[str] | None, str]:
    """The tag kinds a cell names (None: leave the tags alone), or a problem."""
    text = text.strip()
    if not text:
        return None, ""
    if text == NO_TAGS:
        return set(), ""
    kinds: set[str] = set()
    for part in text.replace("，", "、").replace(",", "、").replace(";", "、").split("、"):
        part = part.strip()
        if not part:
            continue
        name = part.split("（")[0]  # 残疾（肢体残疾2级） as the export writes it
        if name not in TAG_BY_LABEL:
            return None, f"不认识的标签“{part}”，应为：" + "、".join(TAG_BY_LABEL)
        kinds.add(TAG_BY_LABEL[name])
    return kinds, ""


def classify_persons(by: User) -> Classify:
    head = {c.key: c.header for c in PERSON_COLUMNS}
    regions = RegionCache(by)
    c = cipher()
    seen: dict[str, int] = {}
    today = timezone.localdate()

    def classify(batch: list[tuple[int, dict[str, str]]], report: ErrorReport) -> list[Plan]:
        cleaned = []
        wanted: list[str] = []
        for n, row in batch:
            clean, problems = rowcheck.clean_person(row, ethnicities=ETHNICITY_SET, today=today)
            if "*" in row.get("id_number", ""):
                problems = [p for p in problems if p[0] != "id_number"]
                problems.append(("id_number", "为脱敏值，无法据此更新：请导出完整信息后修改再导入"))
            for key, msg in problems:
                report.add(n, head.get(key, key), msg, row.get(key, ""))
            every = c.blind_indexes(clean["id_number"]) if clean["id_number"] and not problems else []
            wanted += every
            cleaned.append((n, row, clean, every))
        registered = Person.objects.filter(id_number_index__in=wanted).exclude(status=PersonStatus.MOVED_OUT)
        found = {p.id_number_index: p for p in registered.only("pk", "id_number_index")}
        in_scope = {
            p.pk: p
            for p in scoped(Person.objects.filter(pk__in=[p.pk for p in found.values()]), by)
            .select_related("household", "region")
            .prefetch_related("tags")
        }
        codes = {clean["household_code"] for _, _, clean, _ in cleaned if clean["household_code"]}
        households = {
            h.code: h
            for h in Household.objects.filter(code__in=codes).select_related("region")
            if regions.get(h.region.code) is not None
        }
        plans = []
        for n, row, clean, every in cleaned:
            present = set(row)
            key = mask_id_number(clean["id_number"]) if clean["id_number"] else ""
            plan = Plan(row=n, outcome="created", key=key, label=clean["name"], data=dict(row))
            plans.append(plan)
            person = None
            if every:
                first = every[0]
                if first in seen:
                    report.add(n, head["id_number"], f"与文件第 {seen[first]} 行的身份证号重复", key)
                seen.setdefault(first, n)
                holder = next((found[i] for i in every if i in found), None)
                if holder is not None:
                    person = in_scope.get(holder.pk)
                    if person is None:
                        report.add(n, head["id_number"], ID_NUMBER_TAKEN, key)
                        continue
            hh = clean["household_code"]
            if hh and hh not in households:
                report.add(n, head["household_code"], HOUSEHOLD_ABSENT, hh)
            elif hh and clean["region_code"] and households[hh].region.code != clean["region_code"]:
                report.add(
                    n,
                    head["region_code"],
                    f"与该户所在网格 {households[hh].region.code} 不一致",
                    clean["region_code"],
                )
            elif not hh and _code_ok(clean["region_code"]) and regions.get(clean["region_code"]) is None:
                report.add(n, head["region_code"], REGION_ABSENT, clean["region_code"])
            kinds, problem = _tag_cell(row.get("tags", ""))
            if problem:
                report.add(n, head["tags"], problem, row.get("tags", ""))
            open_tags = (
                [t for t in person.tags.all() if t.valid_to is None or t.valid_to >= today]
                if person is not None
                else []
            )
            held = {t.kind for t in open_tags}
            if kinds is not None:
                if TagKind.DISABLED in kinds - held:
                    report.add(n, head["tags"], "残疾标签须在人员页面登记类别和等级", row.get("tags", ""))
                plan.tags_add = sorted(kinds - held)
                plan.tags_end = [t for t in open_tags if t.kind not in kinds]
            if person is None:
                continue
            plan.target = person
            old = _person_texts(person)
            phone = row.get("phone", "").strip()
            masked_phone = "*" in phone
            if masked_phone and phone != old["phone"]:
                report.add(n, head["phone"], "为脱敏值且与登记的不一致：请填写完整号码", phone)
            new = {
                "name": clean["name"],
                "phone": old["phone"]
                if masked_phone
                else (mask_phone(clean["phone"]) if clean["phone"] else ""),
                "household_code": clean["household_code"],
                "relation": RELATION_LABEL.get(clean["relation"], ""),
                "residence_type": RESIDENCE_LABEL.get(clean["residence_type"], ""),
                "ethnicity": clean["ethnicity"],
                "note": clean["note"],
            }
            if not clean["household_code"]:
                new["region_code"] = clean["region_code"]
            held_phone = person.phone.reveal() if person.phone else ""
            if not masked_phone and clean["phone"] == held_phone:
                new["phone"] = old["phone"]
            elif not masked_phone and new["phone"] == old["phone"]:  # another number under the same mask
                old["phone"] += "（原号码）"
            _diff(plan, head, present, old, new)
            if masked_phone:
                plan.data.pop("phone", None)
            if plan.tags_add or plan.tags_end:
                plan.changes.append(
                    (
                        head["tags"],
                        "、".join(str(t) for t in open_tags) or "（无）",
                        "、".join(TagKind(k).label for k in TagKind.values if k in (kinds or ())) or "（无）",
                    )
                )
            plan.outcome = "changed" if plan.changes else "unchanged"
        return plans

    return classify


def apply_person(by: User) -> Apply:
    today = timezone.localdate()

    def apply(plan: Plan) -> list[str]:
        data = {k: v for k, v in plan.data.items() if k != "tags"}
        if plan.outcome == "created":
            person = person_create(by=by, data=data)
            plan.target = person
        else:
            person = plan.target
            fields = [c[0] for c in plan.changes if c[0] != "标签"]
            if fields:
                person = person_update(by=by, person=person, data=data)
        for kind in plan.tags_add:
            person_tag_add(by=by, person=person, kind=kind, valid_from=today)
        for tag in plan.tags_end:
            person_tag_end(by=by, tag=tag, valid_to=max(today, tag.valid_from))
        return [c[0] for c in plan.changes]

    return apply


# --- households and buildings ----------------------------------------------------------------------


def classify_households(by: User) -> Classify:
    head = {c.key: c.header for c in HOUSEHOLD_COLUMNS}
    regions = RegionCache(by)
    seen: dict[str, int] = {}

    def classify(batch: list[tuple[int, dict[str, str]]], report: ErrorReport) -> list[Plan]:
        cleaned = []
        for n, row in batch:
            clean, problems = rowcheck.clean_household(row)
            for key, msg in problems:
                report.add(n, head.get(key, key), msg, row.get(key, ""))
            cleaned.append((n, row, clean))
        codes = [clean["code"] for _, _, clean in cleaned]
        existing = {
            h.code: h for h in Household.objects.filter(code__in=codes).select_related("region", "building")
        }
        bcodes = {clean["building_code"] for _, _, clean in cleaned if clean["building_code"]}
        buildings = {b.code: b for b in Building.objects.filter(code__in=bcodes).select_related("region")}
        plans = []
        for n, row, clean in cleaned:
            plan = Plan(row=n, outcome="created", key=clean["code"], label=clean["address"], data=dict(row))
            plans.append(plan)
            if clean["code"] in seen:
                report.add(n, head["code"], f"与文件第 {seen[clean['code']]} 行重复", clean["code"])
            seen.setdefault(clean["code"], n)
            if _code_ok(clean["region_code"]) and regions.get(clean["region_code"]) is None:
                report.add(n, head["region_code"], REGION_ABSENT, clean["region_code"])
            b = buildings.get(clean["building_code"]) if clean["building_code"] else None
            if clean["building_code"] and (
                b is None
                or regions.get(b.region.code) is None
                or not b.region.code.startswith(clean["region_code"][:12])
            ):
                report.add(n, head["building_code"], BUILDING_ABSENT, clean["building_code"])
            h = existing.get(clean["code"])
            if h is None:
                continue
            if regions.get(h.region.code) is None:
                report.add(n, head["code"], "户编号已存在", clean["code"])
                continue
            plan.target, plan.label = h, clean["address"] or h.address
            old = {
                "region_code": h.region.code,
                "building_code": h.building.code if h.building is not None else "",
                "unit": h.unit,
                "room": h.room,
                "address": h.address,
            }
            new = {k: clean[k] for k in old}
            _diff(plan, head, set(row), old, new)
            plan.outcome = "changed" if plan.changes else "unchanged"
        return plans

    return classify


def _apply_place(
    by: User,
    *,
    model: type[Household] | type[Building],
    create: Callable[..., Any],
    clean_row: Callable[[dict[str, str]], tuple[dict[str, Any], Any]],
    link: tuple[str, str],
    keys: tuple[str, ...],
) -> Apply:
    """The update of a household or building: its region, its link to a building (``link``: field,
    column), and the plain ``keys``, each only when the file has its column; audited per record."""
    regions = RegionCache(by)
    link_field, link_column = link

    def apply(plan: Plan) -> list[str]:
        if plan.outcome == "created":
            plan.target = create(by=by, data=plan.data)
            return []
        place = model.objects.select_for_update().get(pk=plan.target.pk)
        clean, _ = clean_row(plan.data)
        present = set(plan.data)
        watched = [
            place.pk,
            getattr(place, f"{link_field}_id"),
        ]  # a household's building, a building's parent
        if "region_code" in present and clean["region_code"] != place.region.code:
            place.region_id = regions.by_code[clean["region_code"]]  # checked in the dry run
        if link_column in present:
            code = clean[link_column]
            setattr(place, link_field, Building.objects.filter(code=code).first() if code else None)
            watched.append(getattr(place, f"{link_field}_id"))
        for key in keys:
            if key in present:
                setattr(place, key, clean[key])
        if model is Household:
            kept = counts_kept(households=watched[:1], buildings=watched[1:])
        else:
            kept = counts_kept(buildings=watched[:1])
        with kept:
            place.save()
        fields = [c[0] for c in plan.changes]
        audit_record(
            actor=by, action=AuditAction.UPDATE, subject=place, detail={"fields": fields, "import": True}
        )
        return fields

    return apply


def apply_household(by: User) -> Apply:
    return _apply_place(
        by,
        model=Household,
        create=household_create,
        clean_row=rowcheck.clean_household,
        link=("building", "building_code"),
        keys=("unit", "room", "address"),
    )


def _float_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def classify_buildings(by: User) -> Classify:
    head = {c.key: c.header for c in BUILDING_COLUMNS}
    regions = RegionCache(by)
    seen: dict[str, int] = {}
    parents_in_file: set[str] = set()

    def classify(batch: list[tuple[int, dict[str, str]]], report: ErrorReport) -> list[Plan]:
        cleaned = []
        for n, row in batch:
            clean, problems = rowcheck.clean_building(row)
            for key, msg in problems:
                report.add(n, head.get(key, key), msg, row.get(key, ""))
            cleaned.append((n, row, clean))
        codes = [clean["code"] for _, _, clean in cleaned]
        existing = {
            b.code: b for b in Building.objects.filter(code__in=codes).select_related("region", "parent")
        }
        pcodes = {clean["parent_code"] for _, _, clean in cleaned if clean["parent_code"]}
        parents = {
            b.code
            for b in Building.objects.filter(code__in=pcodes, kind__in=PARENT_KINDS).select_related("region")
            if regions.get(b.region.code) is not None
        }
        plans = []
        for n, row, clean in cleaned:
            plan = Plan(row=n, outcome="created", key=clean["code"], label=clean["name"], data=dict(row))
            plans.append(plan)
            if clean["code"] in seen:
                report.add(n, head["code"], f"与文件第 {seen[clean['code']]} 行重复", clean["code"])
            seen.setdefault(clean["code"], n)
            if _code_ok(clean["region_code"]) and regions.get(clean["region_code"]) is None:
                report.add(n, head["region_code"], REGION_ABSENT, clean["region_code"])
            parent = clean["parent_code"]
            if parent and parent not in parents and parent not in parents_in_file:
                report.add(n, head["parent_code"], PARENT_ABSENT, parent)
            if clean["kind"] in PARENT_KINDS:
                parents_in_file.add(clean["code"])
            b = existing.get(clean["code"])
            if b is None:
                continue
            if regions.get(b.region.code) is None:
                report.add(n, head["code"], "楼栋编码已存在", clean["code"])
                continue
            plan.target = b
            old = {
                "name": b.name,
                "kind": BUILDING_KIND_LABEL[b.kind],
                "region_code": b.region.code,
                "parent_code": b.parent.code if b.parent is not None else "",
                "address": b.address,
                "lat": _float_text(b.lat),
                "lon": _float_text(b.lon),
                "floors": "" if b.floors is None else str(b.floors),
            }
            new = {
                "name": clean["name"],
                "kind": BUILDING_KIND_LABEL[clean["kind"]],
                "region_code": clean["region_code"],
                "parent_code": clean["parent_code"],
                "address": clean["address"],
                "lat": _float_text(clean["lat"]),
                "lon": _float_text(clean["lon"]),
                "floors": "" if clean["floors"] is None else str(clean["floors"]),
            }
            _diff(plan, head, set(row), old, new)
            plan.outcome = "changed" if plan.changes else "unchanged"
        return plans

    return classify


def apply_building(by: User) -> Apply:
    return _apply_place(
        by,
        model=Building,
        create=building_create,
        clean_row=rowcheck.clean_building,
        link=("parent", "parent_code"),
        keys=("name", "kind", "address", "lat", "lon", "floors"),
    )


def update_import(
    *, kind: str, raw: IO[bytes], filename: str, by: User, dry_run: bool = False, run: ImportRun | None = None
) -> ImportOutcome:
    """Import ``kind`` (persons / households / buildings) in update mode (see the module's docstring)."""
    columns, classify, apply = {
        "persons": (PERSON_COLUMNS, classify_persons, apply_person),
        "households": (HOUSEHOLD_COLUMNS, classify_households, apply_household),
        "buildings": (BUILDING_COLUMNS, classify_buildings, apply_building),
    }[kind]
    return run_update(
        kind=kind,
        raw=raw,
        filename=filename,
        by=by,
        dry_run=dry_run,
        columns=columns,
        classify=classify(by),
        apply=apply(by),
        run=run,
    )
