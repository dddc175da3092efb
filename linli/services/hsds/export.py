"""The service directory of a region's subtree written as HSDS 3.0 documents, each validated first."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from linli.regions.models import Region
from linli.registry.models import Organisation
from linli.services.engine import schedule
from linli.services.hsds.schema import (
    DAYS,
    FILES,
    NS,
    STATUS_OUT,
    TAX_BOOKING,
    TAX_CATEGORY,
    TAX_GROUP,
    TAX_KIND,
    HsdsError,
    validators,
)
from linli.services.models import Service, ServiceKind, TaxonomyTerm
from linli.services.services import tag_label


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
    for day, intervals in schedule.normalise(s.opening_hours or {}).items():
        if intervals:
            by_hours[tuple((a, b) for a, b in intervals)].append(int(day))
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


TAXONOMIES = {
    TAX_CATEGORY: "邻里服务分类（社区服务领域）",
    TAX_KIND: "服务类型：公共服务、便民服务、志愿服务",
    TAX_GROUP: "服务对象人群（基础数据人员标签）",
    TAX_BOOKING: "随约服务预约规则（名额、时段长度）",
}


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
        {"id": _id("taxonomy", name), "name": name, "description": description, "version": "1"}
        for name, description in TAXONOMIES.items()
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
