"""Facility writes: validation, coordinates, opening hours, status, audit and scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import prcoords
import pytest
from django.core.exceptions import ValidationError

from linli.core.models import AuditAction, AuditLog
from linli.core.scope import OutOfScope
from linli.facilities import services
from linli.facilities.engine.checklist import distance_m
from linli.facilities.models import ChecklistAttestation, Facility
from linli.testing.factories import World, build_world


def data(**kw: Any) -> dict[str, Any]:
    d = {
        "name": "万福社区党群服务中心",
        "type": "社区综合服务设施",
        "region_code": "350504001001",
        "building_area": "900",
        "activity_area": "600",
        "office_area": "150",
        "commercial_area": "100",
        "lat": "24.9612",
        "lon": "118.6705",
        "hours_1": "08:30-12:00, 14:30-18:00",
        "hours_2": "08:00-12:00, 14:00-18:00",
        "hours_6": "09:00-12:00",
    }
    d.update(kw)
    return d


@pytest.fixture
def w(db: None) -> World:
    return build_world()


def test_create_computes_hours_and_audits(w: World) -> None:
    f = services.facility_create(by=w.accounts.community_worker, data=data(operator_name="洛江区民政局"))
    assert f.code == "350504001001F0001"
    assert f.type.code == "community_center" and f.region == w.tree.community_a
    assert f.building_area == Decimal("900.00")
    assert f.opening_hours["1"] == [["08:30", "12:00"], ["14:30", "18:00"]]
    assert f.hours_per_week == Decimal("18.00") and f.short_days == 2  # Monday 7 h, Saturday 3 h
    assert f.operator is not None and f.operator.name == "洛江区民政局"  # an ancestor region's organisation
    log = AuditLog.objects.get(subject_type="facilities.facility", subject_id=str(f.pk))
    assert log.action == AuditAction.CREATE and log.region_code == "350504001001"
    second = services.facility_create(by=w.accounts.community_worker, data=data(name="第二处"))
    assert second.code == "350504001001F0002"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"building_area": "-5"}, "building_area", "总建筑面积（㎡）：不能为负数"),
        ({"activity_area": "800"}, "building_area", "超过总建筑面积 900.00㎡"),
        ({"office_area": "abc"}, "office_area", "办公区域面积（㎡）：应为数字"),
        ({"lat": "118.67", "lon": "24.96"}, "lat", "不在中国境内"),
        ({"lat": "51.5", "lon": "-0.12"}, "lon", "不在中国境内"),
        ({"lon": ""}, "lon", "经度和纬度应同时填写"),
        ({"type": "游乐场"}, "type", "不是已启用的设施类型"),
        ({"name": ""}, "name", "名称：必填"),
        ({"hours_3": "18:00-08:00"}, "hours_3", "周三开放时间：“18:00-08:00”结束时间应晚于开始时间"),
        ({"status": "倒闭"}, "status", "应为"),
        ({"coord_system": "火星"}, "coord_system", "GCJ-02"),
        ({"opened_on": "2021/13/01"}, "opened_on", "YYYY-MM-DD"),
    ],
)
def test_bad_input_names_the_field(w: World, changes: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.facility_create(by=w.accounts.community_worker, data=data(**changes))
    assert field in exc.value.message_dict
    assert any(message in m for m in exc.value.message_dict[field])
    assert not Facility.objects.exists()


def test_gcj02_and_bd09_converted_to_wgs84(w: World) -> None:
    f = services.facility_create(
        by=w.accounts.community_worker, data=data(lat="24.9612", lon="118.6705", coord_system="gcj02")
    )
    # GCJ-02 is offset by a few hundred metres here; converting the stored point back gives the input
    assert f.lat is not None and f.lon is not None
    assert 100 < distance_m((24.9612, 118.6705), (f.lat, f.lon)) < 1000
    back = prcoords.wgs_gcj(prcoords.Coords(f.lat, f.lon))
    assert abs(back.lat - 24.9612) < 1e-5 and abs(back.lon - 118.6705) < 1e-5
    g = services.facility_create(
        by=w.accounts.community_worker, data=data(lat="24.9612", lon="118.6705", coord_system="百度")
    )
    back = prcoords.wgs_bd(prcoords.Coords(g.lat, g.lon))
    assert abs(back.lat - 24.9612) < 1e-5 and abs(back.lon - 118.6705) < 1e-5
    assert g.lat is not None and g.lon is not None
    assert distance_m((f.lat, f.lon), (g.lat, g.lon)) > 100


def test_scope_of_writes(w: World) -> None:
    a = w.accounts
    # a region outside the account's scope reads exactly like a region that does not exist
    with pytest.raises(ValidationError, match="或不在本账号的数据范围内"):
        services.facility_create(by=a.community_worker_b, data=data())  # community A is not B's
    with pytest.raises(OutOfScope):
        services.facility_create(by=a.grid_worker, data=data())  # grid workers do not keep facilities
    with pytest.raises(OutOfScope):
        services.facility_create(by=a.resident, data=data())
    f = services.facility_create(by=a.street_coordinator, data=data())  # the street keeps its subtree
    with pytest.raises(OutOfScope):
        services.facility_update(by=a.community_worker_b, facility=f, data=data(name="改名"))
    with pytest.raises(OutOfScope):
        services.facility_set_status(by=a.community_worker_b, facility=f, status="closed")
    with pytest.raises(ValidationError, match="或不在本账号的数据范围内"):  # moving it out of scope
        services.facility_update(by=a.community_worker, facility=f, data=data(region_code="350504001002"))
    with pytest.raises(ValidationError, match="或不在本账号的数据范围内"):
        services.facility_create(
            by=a.street_coordinator, data=data(region_code="350504100201")
        )  # another town
    f.refresh_from_db()
    assert f.name == "万福社区党群服务中心" and f.status == "open"


def test_update_and_status_are_audited(w: World) -> None:
    by = w.accounts.community_worker
    f = services.facility_create(by=by, data=data())
    services.facility_update(by=by, facility=f, data=data(building_area="1000", hours_1="08:00-18:00"))
    f.refresh_from_db()
    assert (
        f.building_area == Decimal("1000.00") and f.short_days == 1 and f.hours_per_week == Decimal("21.00")
    )
    log = AuditLog.objects.filter(action=AuditAction.UPDATE).get()
    assert log.detail["changed"]["building_area"] == ["900.00", "1000.00"]
    services.facility_set_status(by=by, facility=f, status="vacant", note="搬迁后闲置")
    f.refresh_from_db()
    assert f.status == "vacant"
    assert AuditLog.objects.filter(action=AuditAction.UPDATE, field="status", reason="搬迁后闲置").exists()
    with pytest.raises(ValidationError):
        services.facility_set_status(by=by, facility=f, status="gone")


def test_attestation(w: World) -> None:
    by = w.accounts.community_worker
    a = services.attestation_record(
        by=by, region=w.tree.community_a, item=20, met=True, evidence="居民公约已公示"
    )
    assert a.attested_by_name == "万福社工" and ChecklistAttestation.objects.count() == 1
    with pytest.raises(ValidationError, match="由数据判断"):
        services.attestation_record(
            by=by, region=w.tree.community_a, item=1, met=True, evidence="面积够了够了"
        )
    with pytest.raises(ValidationError, match="依据说明"):
        services.attestation_record(by=by, region=w.tree.community_a, item=18, met=True, evidence="")
    with pytest.raises(OutOfScope):
        services.attestation_record(
            by=by, region=w.tree.community_b, item=18, met=True, evidence="会议纪要一份"
        )
