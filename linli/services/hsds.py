"""The service directory as Open Referral HSDS 3.0 JSON: export, validation and import.

An export is a folder of JSON arrays, one file per HSDS object type — ``services.json`` (each service
with its schedules, service areas, cost options, contacts, phones, attributes and service-at-locations
nested, as the schema's ``service.json`` defines), ``organizations.json``, ``locations.json``,
``service_at_locations.json``, ``taxonomies.json`` and ``taxonomy_terms.json`` — and every element is
validated against the schema file of its type before anything is written (export) or read (import).

The schema files are not part of Linli: they are read from ``settings.LINLI_HSDS_SCHEMA_DIR`` or the
``LINLI_HSDS_SCHEMA_DIR`` environment variable, else ``<repository>/../shared/standards/hsds-3.0/schema``.

Linli's own facts ride on standard fields: the service area's statistical code in
``service_areas[].extent`` (``extent_type`` ``statistical_code``), the category, kind and target groups
as ``attributes`` with taxonomy terms of the ``linli-*`` taxonomies, the weekly hours as ``WEEKLY``
schedules (``byday``, ``opens_at``, ``closes_at``) and closed days as schedules valid for one day.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from linli.regions.models import Region
from linli.registry.models import DERIVED_AGE_TAGS, Organisation, OrganisationKind, TagKind
from linli.services.engine import schedule
from linli.services.models import FeeKind, Service, ServiceKind, ServiceStatus, TaxonomyTerm

NS = uuid.NAMESPACE_OID
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FILES = {
    "services.json": "service.json",
    "organizations.json": "organization.json",
    "locations.json": "location.json",
    "service_at_locations.json": "service_at_location.json",
    "taxonomies.json": "taxonomy.json",
    "taxonomy_terms.json": "taxonomy_term.json",
}
TAX_CATEGORY, TAX_KIND, TAX_GROUP, TAX_BOOKING = (
    "linli-services",
    "linli-service-kind",
    "linli-target-group",
    "linli-booking",
)
STATUS_OUT: dict[str, str] = {
    ServiceStatus.ACTIVE: "active",
    ServiceStatus.SUSPENDED: "temporarily closed",
    ServiceStatus.CLOSED: "inactive",
}
STATUS_IN = {
    "active": ServiceStatus.ACTIVE,
    "temporarily closed": ServiceStatus.SUSPENDED,
    "inactive": ServiceStatus.CLOSED,
    "defunct": ServiceStatus.CLOSED,
}


class HsdsError(ValueError):
    """An HSDS folder that cannot be used; ``errors`` lists each problem (file, item, path, message)."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or []


def schema_dir() -> Path | None:
    """The folder of the HSDS 3.0 schema files, or None when none is found."""
    configured = getattr(settings, "LINLI_HSDS_SCHEMA_DIR", None) or os.environ.get("LINLI_HSDS_SCHEMA_DIR")
    path = (
        Path(configured)
        if configured
        else Path(settings.BASE_DIR).parent / "shared" / "standards" / "hsds-3.0" / "schema"
    )
    return path if (path / "service.json").is_file() else None


def validators(directory: Path | None = None) -> dict[str, Any]:
    """One jsonschema validator per HSDS object file name, resolving the schemas' relative $refs."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    directory = directory or schema_dir()
    if directory is None:
        raise HsdsError("找不到 HSDS 3.0 模式文件目录（设置 LINLI_HSDS_SCHEMA_DIR）")
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(body, default_specification=DRAFT202012))
        for name, body in schemas.items()
    )
    return {
        name: Draft202012Validator(schemas[name], registry=registry, format_checker=FormatChecker())
        for name in set(FILES.values())
    }


def validate_folder(
    folder: Path, directory: Path | None = None
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Read and validate every known file of ``folder``: (documents by file, error messages)."""
    checks = validators(directory)
    docs: dict[str, list[dict[str, Any]]] = {}
    errors: list[str] = []
    if not (folder / "services.json").is_file():
        return docs, [f"{folder} 中没有 services.json"]
    for fname, schema_name in FILES.items():
        path = folder / fname
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            errors.append(f"{fname}：不是有效的 JSON（{exc}）")
            continue
        if not isinstance(data, list):
            errors.append(f"{fname}：应为 JSON 数组")
            continue
        for i, doc in enumerate(data):
            for err in sorted(checks[schema_name].iter_errors(doc), key=lambda e: list(e.absolute_path)):
                where = "/".join(str(p) for p in err.absolute_path) or "（整体）"
                errors.append(f"{fname} 第 {i + 1} 项 {where}：{err.message}")
        docs[fname] = data
    return docs, errors


# --- export ---------------------------------------------------------------------------------------------


def _id(kind: str, key: Any) -> str:
    return str(uuid.uuid5(NS, f"linli.{kind}.{key}"))


def _term(
    taxonomy: str, code: str, name: str, description: str = "", parent_id: str | None = None
) -> dict[str, Any]:
    term: dict[str, Any] = {
        "id": _id(f"term.{taxonomy}", code),
        "code": code,
        "name": name,
        "description": description or name,
        "taxonomy": taxonomy,
        "taxonomy_id": _id("taxonomy", taxonomy),
        "language": "zh",
    }
    if parent_id:
        term["parent_id"] = parent_id
    return term


def _category_term(t: TaxonomyTerm) -> dict[str, Any]:
    term = _term(
        TAX_CATEGORY, t.code, t.name, t.description, str(t.parent.uuid) if t.parent_id and t.parent else None
    )
    term["id"] = str(t.uuid)
    return term


def _attribute(service_id: str, term: dict[str, Any], value: str = "") -> dict[str, Any]:
    return {
        "id": _id("attribute", f"{service_id}.{term['id']}"),
        "link_id": service_id,
        "link_type": term["taxonomy"],
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
        "value": value or term["name"],
    }


def _schedules(s: Service, sid: str) -> list[dict[str, Any]]:
    by_hours: dict[tuple[tuple[str, str], ...], list[int]] = defaultdict(list)
    for day, intervals in schedule.normalise(s.weekly_hours or {}).items():
        if intervals:
            by_hours[tuple((f"{a:%H:%M}", f"{b:%H:%M}") for a, b in intervals)].append(int(day))
    out = []
    for hours, days in sorted(by_hours.items(), key=lambda kv: min(kv[1])):
        byday = ",".join(DAYS[d - 1] for d in sorted(days))
        for opens, closes in hours:
            out.append(
                {
                    "id": _id("schedule", f"{s.uuid}.{byday}.{opens}"),
                    "service_id": sid,
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "interval": 1,
                    "byday": byday,
                    "opens_at": opens,
                    "closes_at": closes,
                    "timezone": 8,
                    "attending_type": "in person",
                    "description": f"每周{'、'.join('周' + schedule.WEEKDAYS[d - 1] for d in sorted(days))} {opens}–{closes}",
                }
            )
    for ex in s.exceptions or []:
        entry: dict[str, Any] = {
            "id": _id("schedule", f"{s.uuid}.ex.{ex.get('date')}"),
            "service_id": sid,
            "valid_from": str(ex.get("date")),
            "valid_to": str(ex.get("date")),
            "description": ("当日不开放" if ex.get("closed") else "当日调整开放时间")
            + (f"（{ex['note']}）" if ex.get("note") else ""),
            "notes": "closed" if ex.get("closed") else "",
        }
        if not ex.get("closed") and ex.get("hours"):
            entry["opens_at"], entry["closes_at"] = ex["hours"][0][0], ex["hours"][0][1]
        out.append(entry)
    return out


def _location(s: Service, regions: dict[str, Region]) -> dict[str, Any] | None:
    point = s.point
    if not s.facility_id and not s.address and point is None:
        return None
    f = s.facility
    lid = _id("facility", f.code) if f is not None else _id("location", s.uuid)
    province = regions.get(s.region.code[:2])
    city = regions.get(s.region.code[:4])
    district = regions.get(s.region.code[:6])
    loc: dict[str, Any] = {
        "id": lid,
        "location_type": "physical",
        "name": f.name if f is not None else (s.address or s.name),
        "description": s.place or s.address,
    }
    if s.provider_id:
        loc["organization_id"] = _id("organisation", s.provider_id)
    if point is not None:
        loc["latitude"], loc["longitude"] = point
    if f is not None:
        loc["external_identifier"], loc["external_identifier_type"] = f.code, "linli_facility_code"
    address = (f.address if f is not None else "") or s.address
    if address:
        loc["addresses"] = [
            {
                "id": _id("address", lid),
                "location_id": lid,
                "address_1": address,
                "city": city.name if city else "",
                "region": district.name if district else "",
                "state_province": province.name if province else "",
                "postal_code": "",
                "country": "CN",
                "address_type": "physical",
            }
        ]
    return loc


def _organization(o: Organisation) -> dict[str, Any]:
    oid = _id("organisation", o.pk)
    doc: dict[str, Any] = {
        "id": oid,
        "name": o.name,
        "description": f"{o.get_kind_display()}（{o.region.name}）",
    }
    if o.credit_code:
        doc["organization_identifiers"] = [
            {
                "id": _id("orgid", o.pk),
                "organization_id": oid,
                "identifier_scheme": "CN-USCC",
                "identifier_type": "统一社会信用代码",
                "identifier": o.credit_code,
            }
        ]
    if o.contact_phone:
        doc["phones"] = [{"id": _id("orgphone", o.pk), "organization_id": oid, "number": o.contact_phone}]
    return doc


def service_document(s: Service, regions: dict[str, Region]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The HSDS service document of ``s`` and its location document (None when it has no place)."""
    sid = str(s.uuid)
    cat = _category_term(s.category)
    kind = _term(TAX_KIND, s.kind, s.get_kind_display())
    attrs = [_attribute(sid, cat), _attribute(sid, kind)]
    for tag in s.eligible_tags or []:
        from linli.services.services import tag_label

        attrs.append(_attribute(sid, _term(TAX_GROUP, tag, tag_label(tag))))
    booking = _term(TAX_BOOKING, "booking", "随约服务预约规则")
    attrs.append(
        _attribute(
            sid,
            booking,
            json.dumps({"capacity": s.capacity, "slot_minutes": s.slot_minutes, "bookable": s.bookable}),
        )
    )
    doc: dict[str, Any] = {
        "id": sid,
        "name": s.name,
        "description": s.description or s.name,
        "status": STATUS_OUT.get(s.status, "active"),
        "fees_description": s.get_fee_kind_display()
        + (f" {s.fee_amount} 元" if s.fee_amount is not None else "")
        + (f"（{s.fee_note}）" if s.fee_note else ""),
        "application_process": (
            f"网上预约，每 {s.slot_minutes} 分钟一个时段，每时段 {s.capacity} 个名额"
            if s.bookable
            else "到场办理"
        ),
        "last_modified": s.updated_at.isoformat(),
        "schedules": _schedules(s, sid),
        "service_areas": [
            {
                "id": _id("area", s.uuid),
                "service_id": sid,
                "name": s.region.name,
                "extent": s.region.code,
                "extent_type": "statistical_code",
            }
        ],
        "cost_options": [
            {
                "id": _id("cost", s.uuid),
                "service_id": sid,
                "option": s.get_fee_kind_display(),
                "currency": "CNY",
                "amount": float(s.fee_amount or 0),
                "amount_description": s.fee_note or s.get_fee_kind_display(),
            }
        ],
        "attributes": attrs,
        "languages": [{"id": _id("lang", s.uuid), "service_id": sid, "name": "中文", "code": "zh"}],
    }
    groups = [a["taxonomy_term"]["name"] for a in attrs if a["link_type"] == TAX_GROUP]
    age = ""
    if s.min_age is not None:
        doc["minimum_age"] = s.min_age
        age += f"{s.min_age} 周岁以上"
    if s.max_age is not None:
        doc["maximum_age"] = s.max_age
        age += f"{s.max_age} 周岁以下"
    doc["eligibility_description"] = "；".join(
        x for x in ["、".join(groups), age, f"{s.region.name}居民"] if x
    )
    if s.provider_id:
        doc["organization_id"] = _id("organisation", s.provider_id)
    if s.contact_name or s.contact_phone:
        cid = _id("contact", s.uuid)
        contact: dict[str, Any] = {"id": cid, "service_id": sid, "name": s.contact_name or s.name}
        if s.contact_phone:
            contact["phones"] = [
                {"id": _id("contactphone", s.uuid), "contact_id": cid, "number": s.contact_phone}
            ]
        doc["contacts"] = [contact]
    if s.contact_phone:
        doc["phones"] = [
            {"id": _id("phone", s.uuid), "service_id": sid, "number": s.contact_phone, "type": "voice"}
        ]
    loc = _location(s, regions)
    if loc is not None:
        doc["service_at_locations"] = [
            {
                "id": _id("sal", f"{s.uuid}.{loc['id']}"),
                "service_id": sid,
                "location_id": loc["id"],
                "location": loc,
            }
        ]
    return doc, loc


def export(region: Region, folder: Path, *, directory: Path | None = None) -> dict[str, int]:
    """Write the directory of ``region``'s subtree to ``folder``; every document is validated first."""
    services = list(
        Service.objects.filter(region__code__startswith=region.code)
        .select_related("category", "category__parent", "region", "facility", "provider", "provider__region")
        .order_by("id")
    )
    codes = {s.region.code[:n] for s in services for n in (2, 4, 6)}
    regions = {r.code: r for r in Region.objects.current().filter(code__in=codes)}
    docs: dict[str, list[dict[str, Any]]] = {k: [] for k in FILES}
    locations: dict[str, dict[str, Any]] = {}
    orgs: dict[int, Organisation] = {}
    for s in services:
        doc, loc = service_document(s, regions)
        docs["services.json"].append(doc)
        if loc is not None:
            locations.setdefault(loc["id"], loc)
            sal = {k: v for k, v in doc["service_at_locations"][0].items() if k != "location"}
            docs["service_at_locations.json"].append(sal)
        if s.provider is not None:
            orgs[s.provider.pk] = s.provider
    docs["locations.json"] = list(locations.values())
    docs["organizations.json"] = [_organization(o) for o in orgs.values()]
    docs["taxonomies.json"] = [
        {
            "id": _id("taxonomy", TAX_CATEGORY),
            "name": TAX_CATEGORY,
            "description": "邻里服务分类（社区服务领域）",
            "version": "1",
        },
        {
            "id": _id("taxonomy", TAX_KIND),
            "name": TAX_KIND,
            "description": "服务类型：公共服务、便民服务、志愿服务",
            "version": "1",
        },
        {
            "id": _id("taxonomy", TAX_GROUP),
            "name": TAX_GROUP,
            "description": "服务对象人群（基础数据人员标签）",
            "version": "1",
        },
        {
            "id": _id("taxonomy", TAX_BOOKING),
            "name": TAX_BOOKING,
            "description": "随约服务预约规则（名额、时段长度）",
            "version": "1",
        },
    ]
    docs["taxonomy_terms.json"] = [
        _category_term(t) for t in TaxonomyTerm.objects.select_related("parent")
    ] + [_term(TAX_KIND, k.value, str(k.label)) for k in ServiceKind]
    checks = validators(directory)
    errors = []
    for fname, items in docs.items():
        for i, d in enumerate(items):
            for err in checks[FILES[fname]].iter_errors(d):
                errors.append(f"{fname} 第 {i + 1} 项：{err.message}")
    if errors:
        raise HsdsError("导出的文档未通过 HSDS 3.0 校验", errors)
    folder.mkdir(parents=True, exist_ok=True)
    for fname, items in docs.items():
        (folder / fname).write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    return {fname: len(items) for fname, items in docs.items()}


# --- import ---------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    organisations_created: int = 0
    notes: list[str] = field(default_factory=list)


def _weekly_from(schedules: list[dict[str, Any]]) -> tuple[dict[str, list[list[str]]], list[dict[str, Any]]]:
    weekly: dict[str, list[list[str]]] = {}
    exceptions = []
    for sch in schedules:
        if sch.get("freq") == "WEEKLY" and sch.get("byday") and sch.get("opens_at") and sch.get("closes_at"):
            for code in str(sch["byday"]).split(","):
                code = code.strip()[-2:]
                if code in DAYS:
                    weekly.setdefault(str(DAYS.index(code) + 1), []).append(
                        [sch["opens_at"][:5], sch["closes_at"][:5]]
                    )
        elif sch.get("valid_from") and sch.get("valid_from") == sch.get("valid_to"):
            ex: dict[str, Any] = {"date": sch["valid_from"], "note": sch.get("description", "")[:40]}
            if sch.get("notes") == "closed" or not sch.get("opens_at"):
                ex["closed"] = True
            else:
                ex["hours"] = [[sch["opens_at"][:5], sch["closes_at"][:5]]]
            exceptions.append(ex)
    for intervals in weekly.values():
        intervals.sort()
    return weekly, exceptions


def import_folder(
    folder: Path, *, region: Region | None = None, directory: Path | None = None, source: str = "hsds"
) -> ImportResult:
    """Validate every file of ``folder`` and then write its services, all or nothing.

    A service's area comes from its ``service_areas`` statistical code, else ``region``.
    """
    docs, errors = validate_folder(folder, directory)
    if errors:
        raise HsdsError(f"HSDS 文件未通过 3.0 模式校验（{len(errors)} 处），未导入任何数据", errors)
    orgs = {o["id"]: o for o in docs.get("organizations.json", [])}
    locs = {loc["id"]: loc for loc in docs.get("locations.json", [])}
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    terms_by_name = {t.name: t for t in terms.values()}
    group_keys = set(TagKind.values) | {k for k, _, _ in DERIVED_AGE_TAGS}
    result = ImportResult()
    problems: list[str] = []
    plans = []
    seen: dict[str, int] = {}
    for i, doc in enumerate(docs["services.json"]):
        label = f"services.json 第 {i + 1} 项（{doc.get('name')}）"
        key = str(doc["id"]).lower()
        if key in seen:  # one HSDS id is one service: a second item would silently overwrite the first
            problems.append(f"{label}：HSDS 标识 {doc['id']} 与第 {seen[key]} 项重复")
            continue
        seen[key] = i + 1
        area = next(
            (a for a in doc.get("service_areas", []) if a.get("extent_type") == "statistical_code"), None
        )
        svc_region = Region.objects.current().filter(code=area["extent"]).first() if area else None
        svc_region = svc_region or region
        if svc_region is None:
            problems.append(f"{label}：没有可识别的服务区域（service_areas 的统计代码），也未指定 --region")
            continue
        category = kind = None
        groups: list[str] = []
        booking: dict[str, Any] = {}
        for a in doc.get("attributes", []):
            t = a.get("taxonomy_term") or {}
            tax, code = t.get("taxonomy") or a.get("link_type"), t.get("code", "")
            if tax == TAX_CATEGORY:
                category = terms.get(code) or terms_by_name.get(t.get("name", ""))
            elif tax == TAX_KIND and code in ServiceKind.values:
                kind = code
            elif tax == TAX_GROUP and code in group_keys:
                groups.append(code)
            elif tax == TAX_BOOKING:
                try:
                    booking = json.loads(a.get("value") or "{}")
                except json.JSONDecodeError:
                    problems.append(f"{label}：预约规则不是有效的 JSON")
        if category is None:
            problems.append(f"{label}：缺少可识别的服务分类（{TAX_CATEGORY} 分类词）")
            continue
        weekly, exceptions = _weekly_from(doc.get("schedules", []))
        try:
            schedule.normalise(weekly)
        except schedule.ScheduleError as exc:
            problems.append(f"{label}：服务时间 {exc}")
            continue
        cost = (doc.get("cost_options") or [{}])[0]
        fee_kind = {"免费": FeeKind.FREE, "低偿": FeeKind.LOW, "收费": FeeKind.PAID}.get(
            cost.get("option", ""), FeeKind.FREE if not cost.get("amount") else FeeKind.PAID
        )
        sal = (doc.get("service_at_locations") or [{}])[0]
        loc = sal.get("location") or locs.get(sal.get("location_id", "")) or {}
        address = ((loc.get("addresses") or [{}])[0]).get("address_1", "")
        values: dict[str, Any] = {
            "name": doc["name"][:120],
            "description": doc.get("description", ""),
            "kind": kind or ServiceKind.PUBLIC,
            "category": category,
            "region": svc_region,
            "address": address[:200],
            "lat": loc.get("latitude"),
            "lon": loc.get("longitude"),
            "weekly_hours": weekly,
            "exceptions": exceptions,
            "slot_minutes": int(booking.get("slot_minutes", 60)),
            "capacity": max(1, int(booking.get("capacity", 1))),
            "bookable": bool(booking.get("bookable", bool(weekly))) and bool(weekly),
            "eligible_tags": groups,
            "min_age": doc.get("minimum_age"),
            "max_age": doc.get("maximum_age"),
            "fee_kind": fee_kind,
            "fee_amount": Decimal(str(cost["amount"]))
            if fee_kind != FeeKind.FREE and cost.get("amount") is not None
            else None,
            "fee_note": (cost.get("amount_description") or "")[:200] if fee_kind != FeeKind.FREE else "",
            "status": STATUS_IN.get(doc["status"], ServiceStatus.ACTIVE),
            "contact_phone": ((doc.get("phones") or [{}])[0]).get("number", "")[:32],
            "contact_name": ((doc.get("contacts") or [{}])[0]).get("name", "")[:64],
        }
        org = orgs.get(doc.get("organization_id", ""))
        plans.append((doc["id"], values, org, label))
    if problems:
        raise HsdsError(f"HSDS 文件有 {len(problems)} 处无法导入，未导入任何数据", problems)
    try:
        _import_write(plans, result, source)
    except IntegrityError as exc:  # another import wrote one of these HSDS ids at the same moment
        raise HsdsError(
            "另一次导入同时写入了相同的 HSDS 标识，未导入任何数据；请稍后重新导入",
            [str(exc).splitlines()[0]],
        ) from exc
    return result


def _import_write(
    plans: list[tuple[str, dict[str, Any], Any, str]], result: ImportResult, source: str
) -> None:
    """Write the planned services in one transaction (the HSDS id, ``Service.uuid``, is unique)."""
    with transaction.atomic():
        for sid, values, org, label in plans:
            if org is not None:
                provider = Organisation.objects.filter(name=org["name"]).first()
                if provider is None:
                    provider = Organisation.objects.create(
                        name=org["name"][:120], kind=OrganisationKind.OTHER, region=values["region"]
                    )
                    result.organisations_created += 1
                values["provider"] = provider
            service = Service.objects.filter(uuid=sid).first()
            if service is None:
                service = Service(uuid=sid, source=source)
                result.created += 1
            else:
                result.updated += 1
            for k, v in values.items():
                setattr(service, k, v)
            try:
                service.full_clean(exclude=["uuid", "provider", "facility", "category", "region"])
            except ValidationError as exc:
                raise HsdsError(
                    f"{label}：{'；'.join(exc.messages)}（未导入任何数据）", exc.messages
                ) from exc
            service.save()
