"""Division import from the real 2023 codes, grid import, subtree queries and roll-up counts."""

import io
import json

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from linli.core.models import AuditLog
from linli.regions.models import Level, Region, UrbanRural, subtree_range
from linli.regions.rollup import annotate_rollup
from linli.regions.services import DivisionNotFound, division_import, grids_import, region_set_urban_rural
from linli.registry.models import Staff
from linli.testing.factories import HouseholdFactory, PersonFactory


@pytest.mark.django_db
def test_regions_import_luojiang_is_complete_and_idempotent(capsys):
    call_command("regions_import", "350504")
    assert Region.objects.filter(level=Level.STREET, code__startswith="350504").count() == 6
    villages = Region.objects.filter(level=Level.COMMUNITY, code__startswith="350504")
    assert villages.count() == 87
    assert villages.filter(urban_rural=UrbanRural.URBAN).count() == 20  # the 居委会
    wanfu = Region.objects.get(code="350504001001")
    assert (
        wanfu.name == "万福社区居委会"
        and wanfu.parent.code == "350504001"
        and wanfu.parent.parent.code == "350504"
    )
    assert [r.code for r in wanfu.ancestors()] == ["35", "3505", "350504", "350504001"]
    before = list(Region.objects.values_list("pk", "code", "name", "parent_id", "urban_rural"))
    call_command("regions_import", "泉州市洛江区")
    assert list(Region.objects.values_list("pk", "code", "name", "parent_id", "urban_rural")) == before
    assert "新增 0" in capsys.readouterr().out


@pytest.mark.django_db
def test_import_by_ambiguous_or_unknown_name_is_refused():
    with pytest.raises(DivisionNotFound, match="多个"):
        division_import("鼓楼区")
    with pytest.raises(DivisionNotFound, match="没有"):
        division_import("不存在区")


@pytest.mark.django_db
def test_manual_urban_rural_survives_reimport(world):
    division_import("350504")
    village = Region.objects.get(code="350504100201")
    region_set_urban_rural(region=village, value=UrbanRural.URBAN, by=world.accounts.district_admin)
    division_import("350504")
    village.refresh_from_db()
    assert village.urban_rural == UrbanRural.URBAN and village.urban_rural_manual
    assert AuditLog.objects.filter(subject_id=str(village.pk)).exists()


def test_subtree_range_uses_only_digits():
    lo, hi = subtree_range("350504001")
    assert lo <= "350504001001001" < hi and not (lo <= "350504002" < hi)


@pytest.mark.django_db
def test_rollup_counts_whole_subtrees_in_one_query(world, django_assert_num_queries):
    t, p = world.tree, world.people
    HouseholdFactory(region=t.grid_b1)
    PersonFactory(region=t.grid_b1, status="moved_out")  # not counted
    with django_assert_num_queries(1):
        rows = {r.code: r for r in annotate_rollup(Region.objects.filter(parent=t.district))}
    street, town = rows[t.street.code], rows[t.town.code]
    assert street.population_count == 5  # head, spouse, child, in_a2, in_b
    assert town.population_count == 1
    assert street.households_count == 2 and street.grids_count == 4 and street.buildings_count == 1
    district = annotate_rollup(Region.objects.filter(pk=t.district.pk)).get()
    assert district.population_count == len(p.all())


def _grid_xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["网格编码", "网格名称", "所属社区编码", "边界GeoJSON", "网格员姓名", "网格员电话"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


SQUARE = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [[[118.6, 24.9], [118.61, 24.9], [118.61, 24.91], [118.6, 24.91], [118.6, 24.9]]],
    }
)


@pytest.mark.django_db
def test_grid_import_from_xlsx_creates_grids_and_workers(world):
    worker = world.accounts.community_worker  # community A
    code = world.tree.community_a.code
    f = _grid_xlsx([[f"{code}009", "第9网格", code, SQUARE, "王小明", "13900001111"]])
    result = grids_import(raw=f, filename="grids.xlsx", by=worker)
    assert result.ok and result.created == 1 and result.workers == 1
    grid = Region.objects.get(code=f"{code}009")
    assert grid.level == Level.GRID and grid.parent == world.tree.community_a
    assert grid.boundary["type"] == "Polygon" and abs(grid.centroid_lat - 24.905) < 1e-6
    staff = Staff.objects.get(name="王小明")
    assert list(staff.grids.all()) == [grid] and str(staff.phone) == "139****1111"


@pytest.mark.django_db
def test_grid_import_rejects_the_whole_file_on_any_error(world):
    worker = world.accounts.community_worker
    a, b = world.tree.community_a.code, world.tree.community_b.code
    f = _grid_xlsx(
        [
            [f"{a}010", "好网格", a, "", "", ""],
            [f"{b}010", "别的社区", b, "", "", ""],  # out of scope
            [f"{a}11", "短编码", a, '{"type": "Point", "coordinates": [1, 2]}', "", "123"],
        ]
    )
    result = grids_import(raw=f, filename="grids.xlsx", by=worker)
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors.errors}
    assert {(3, "所属社区编码"), (4, "网格编码"), (4, "边界GeoJSON"), (4, "网格员电话")} <= found
    assert not Region.objects.filter(code__in=[f"{a}010", f"{b}010"]).exists()


@pytest.mark.django_db
def test_grid_import_from_geojson_and_dry_run(world):
    a = world.tree.community_a.code
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(SQUARE),
                "properties": {"code": f"{a}011", "name": "十一", "community": a},
            }
        ],
    }
    raw = io.BytesIO(json.dumps(doc).encode())
    result = grids_import(raw=raw, filename="g.geojson", by=world.accounts.community_worker, dry_run=True)
    assert result.ok and result.created == 1 and not Region.objects.filter(code=f"{a}011").exists()
    raw.seek(0)
    assert grids_import(raw=raw, filename="g.geojson", by=world.accounts.community_worker).created == 1
    assert Region.objects.filter(code=f"{a}011", boundary__isnull=False).exists()
