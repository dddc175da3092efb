import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.cases import services
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, Channel

from .conftest import CasesWorld, grid_center, image_bytes


def _report_form(**extra):  # type: ignore[no-untyped-def]
    lat, lon = grid_center(0)
    data = {
        "category": "sanitation.complaint",
        "description": "门口垃圾没人清运",
        "lat": f"{lat}",
        "lon": f"{lon}",
    }
    data.update(extra)
    return data


def test_resident_reports_from_the_phone_page(cw: CasesWorld, client_for) -> None:
    c = client_for(cw.world.accounts.resident)
    page = c.get("/cases/report/")
    assert page.status_code == 200 and "我要反映" in page.content.decode()
    r = c.post(
        "/cases/report/",
        _report_form(photos=SimpleUploadedFile("p.png", image_bytes("PNG"), content_type="image/png")),
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.APP and case.photos.count() == 1
    detail = c.get(r["Location"]).content.decode()
    assert case.number in detail and "林**" in detail and "13859001234" not in detail


def test_bad_report_keeps_what_was_typed(cw: CasesWorld, client_for) -> None:
    c = client_for(cw.world.accounts.resident)
    r = c.post("/cases/report/", _report_form(description="<script>x</script>垃圾"))
    assert r.status_code == 422
    body = r.content.decode()
    assert "HTML" in body and "&lt;script&gt;x&lt;/script&gt;垃圾" in body
    r = c.post("/cases/report/", _report_form(lat="", lon=""))
    assert r.status_code == 422 and "请提供位置" in r.content.decode()
    assert not Case.objects.exists()


def test_staff_intake_queue_detail_and_conflict(cw: CasesWorld, client_for) -> None:
    worker = client_for(cw.world.accounts.community_worker)
    r = worker.post(
        "/cases/intake/", _report_form(channel="hotline", reporter_name="张三", reporter_phone="13912345678")
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.status == wf.ACCEPTED
    queue = worker.get("/cases/").content.decode()
    assert case.number in queue
    assert (
        case.number
        not in client_for(cw.world.accounts.community_worker_b).get("/cases/?queue=all").content.decode()
    )
    detail = worker.get(f"/cases/{case.number}/").content.decode()
    assert "派单" in detail and "张*" in detail and "13912345678" not in detail
    # two people dispatch at once: the second gets the conflict message and keeps their note
    old = case.version
    ok = worker.post(
        f"/cases/{case.number}/act/", {"action": "dispatch", "version": old, "unit": f"org:{cw.chengguan.pk}"}
    )
    assert ok.status_code == 302
    street = client_for(cw.street_user)
    lost = street.post(
        f"/cases/{case.number}/act/", {"action": "escalate", "version": old, "note": "我的说明文字"}
    )
    assert lost.status_code == 409
    body = lost.content.decode()
    assert "刚刚已被其他人处理" in body and "我的说明文字" in body
    # an action not allowed now
    bad = worker.post(f"/cases/{case.number}/act/", {"action": "accept", "version": old + 1})
    assert bad.status_code == 422 and "不能受理" in bad.content.decode()
    # reveal with reason, audited
    rv = worker.post(f"/cases/{case.number}/reveal/reporter_phone/", {"reason": "电话回访"})
    assert "13912345678" in rv.content.decode()
    assert (
        client_for(cw.dept_user)
        .post(f"/cases/{case.number}/reveal/reporter_phone/", {"reason": "看看"})
        .status_code
        == 403
    )


def test_map_measures_notifications_pages(cw: CasesWorld, client_for) -> None:
    lat, lon = grid_center(0)
    services.case_create(
        by=cw.world.accounts.resident,
        category="sanitation.complaint",
        description="垃圾",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
    )
    admin = client_for(cw.world.accounts.district_admin)
    m = admin.get("/cases/map/").content.decode()
    assert "leaflet-heat.js" in m and str(round(lat, 5)) in m
    for group in ("unit", "category", "street", "month"):
        r = admin.get(f"/cases/measures/?group={group}")
        assert r.status_code == 200 and "满意率" in r.content.decode()
    resident = client_for(cw.world.accounts.resident)
    notes = resident.get("/cases/notifications/").content.decode()
    assert "已收到您的诉求" in notes
    assert "新</span>" in notes  # unread until this visit, which marks it read
    again = resident.get("/cases/notifications/").content.decode()
    assert "已收到您的诉求" in again and "新</span>" not in again


def test_api_create_list_act_and_conflict(cw: CasesWorld, token_client_for) -> None:
    c = token_client_for(cw.world.accounts.community_worker)
    lat, lon = grid_center(1)
    r = c.post(
        "/api/cases/",
        {
            "category": "property.complaint",
            "description": "电梯停运",
            "lat": lat,
            "lon": lon,
            "channel": "hotline",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert r.json()["grid"] == cw.world.tree.grid_a2.code and r.json()["status"] == "accepted"
    bad = c.post(
        "/api/cases/",
        {"category": "nope", "description": "x", "lat": lat, "lon": lon},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "category" in bad.json()["errors"]
    listed = c.get("/api/cases/?queue=open").json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == number
    v = r.json()["version"]
    ok = c.post(
        f"/api/cases/{number}/actions",
        {"action": "dispatch", "version": v, "unit_region": cw.world.tree.community_a.code},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "dispatched"
    stale = c.post(
        f"/api/cases/{number}/actions",
        {"action": "reassign", "version": v, "unit_org": cw.chengguan.pk},
        content_type="application/json",
    )
    assert stale.status_code == 409 and "刚刚已被其他人处理" in stale.json()["detail"]
    assert c.get("/api/cases/measures/category").status_code == 200
    assert (
        token_client_for(cw.world.accounts.community_worker_b).get(f"/api/cases/{number}").status_code == 404
    )


@pytest.mark.parametrize(
    "username", ["resident", "department_handler", "grid_worker", "street_coordinator", "system_admin"]
)
def test_every_role_reaches_its_pages(cw: CasesWorld, client_for, username) -> None:
    user = getattr(cw.world.accounts, username)
    c = client_for(user)
    home = c.get("/").content.decode()
    if username == "resident":
        assert "我要反映" in home
        assert c.get("/cases/mine/").status_code == 200
    else:
        assert "诉求办理" in home
        assert c.get("/cases/").status_code == 200
        assert c.get("/cases/measures/").status_code == 200
