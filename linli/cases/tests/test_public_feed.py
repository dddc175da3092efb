"""The public Open311 feed carries no personal data (no key is needed to read it).

What residents type — phone and ID numbers, names, room numbers — reaches the feed masked, the address
no finer than the building, the position snapped to a cell of about 200 m; replies, notes and free-text
attributes alike; nothing of the reporter, anonymous or not; no resident photo; only http(s) links.
"""

import json
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from linli.cases import services
from linli.cases.engine.redact import coarsen
from linli.cases.models import Case, Channel
from linli.testing.factories import issue_token

from .conftest import CasesWorld, grid_center, image_bytes

BASE = "/open311/v2"
PHONE, ID_NUMBER, NAME = "13912345678", "350504199001011234", "张三丰"
TYPED = f"我是3号楼2单元501室的{NAME}，电话{PHONE}，身份证{ID_NUMBER}，楼上漏水到我家"
SECRETS = (PHONE, "1234-5678", ID_NUMBER, "501", "2单元", "三丰", "13859001234", "建国")


@pytest.fixture
def key(cw: CasesWorld) -> str:
    return issue_token(cw.world.accounts.community_worker, "12345 热线平台")


def _post(key: str, **data: str) -> dict:
    lat, lon = grid_center(0)
    body = {"api_key": key, "service_code": "property.complaint", "lat": str(lat + 0.00037)}
    body |= {"long": str(lon + 0.00041), "description": TYPED, "first_name": "三丰", "last_name": "张"}
    r = Client().post(f"{BASE}/requests.json", body | data)
    assert r.status_code == 200, r.content
    return r.json()[0]


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_open311_get_publishes_masked_text_building_address_and_a_coarse_position(
    cw: CasesWorld, key: str
) -> None:
    number = _post(key, address_string="万安街道万福社区阳光花园3号楼2单元501室")["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.description == TYPED  # the private text is kept as typed
    assert case.address.endswith("501室") and case.reporter_name.reveal() == NAME
    for path, params in [
        ("requests.json", {}),
        (f"requests/{number}.json", {}),
        ("requests.json", {"service_request_id": number, "extensions": "true"}),
        (f"requests/{number}.json", {"extensions": "true"}),
    ]:
        rows = Client().get(f"{BASE}/{path}", params).json()
        row = next(r for r in rows if r["service_request_id"] == number)
        assert _leaks(json.dumps(row, ensure_ascii=False)) == [], path
        assert (
            row["description"] == "我是3号楼的张**，电话***********，身份证******************，楼上漏水到我家"
        )
        assert row["address"] == "万安街道万福社区阳光花园3号楼"
        assert (row["lat"], row["long"]) == coarsen(case.lat or 0, case.lon or 0)
        assert (row["lat"], row["long"]) != (round(case.lat or 0, 4), round(case.lon or 0, 4))
        assert not {"first_name", "last_name", "phone", "email", "account_id"} & set(row)
    body = Client().get(f"{BASE}/requests/{number}.xml").content.decode()
    assert _leaks(body) == []
    x = ET.fromstring(body)
    assert x.findtext("request/address") == "万安街道万福社区阳光花园3号楼"
    assert (x.findtext("request/description") or "").startswith("我是3号楼的张**")


def test_every_intake_channel_makes_the_public_text(
    cw: CasesWorld, key: str, client_for, token_client_for
) -> None:
    a = cw.world.accounts
    lat, lon = grid_center(0)
    # the resident page: the account's own name (林建国) is known without being typed in a field
    form = {"category": "sanitation.complaint", "lat": str(lat), "lon": str(lon)}
    mine = form | {"description": TYPED.replace(NAME, "林建国")}
    assert client_for(a.resident).post("/cases/report/", mine).status_code == 302
    staff = form | {
        "description": TYPED,
        "channel": "hotline",
        "reporter_name": NAME,
        "reporter_phone": PHONE,
    }
    assert client_for(a.community_worker).post("/cases/intake/", staff).status_code == 302
    api = {"category": "sanitation.complaint", "description": TYPED, "lat": lat, "lon": lon}
    r = token_client_for(a.community_worker).post(
        "/api/cases/", api | {"reporter_name": NAME}, content_type="application/json"
    )
    assert r.status_code == 201 and _leaks(r.json()["public_description"]) == []
    _post(key)
    cases = list(Case.objects.all())
    assert {c.channel for c in cases} == {Channel.APP, Channel.HOTLINE, Channel.API, Channel.OPEN311}
    for c in cases:
        assert c.description in (TYPED, mine["description"])
        assert c.public_description.startswith("我是3号楼的") and _leaks(c.public_description) == [], (
            c.channel
        )
        assert "电话***********，身份证******************" in c.public_description


def test_an_anonymous_resident_is_not_named_even_when_they_type_their_name(cw: CasesWorld) -> None:
    lat, lon = grid_center(0)
    case = services.case_create(
        by=cw.world.accounts.resident,  # 林建国, phone 13859001234 on record
        category="sanitation.complaint",
        description="我是林建国，我母亲陈秀英腿脚不便，垃圾没人清，打13859001234",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
        anonymous=True,
    )
    assert case.reporter_name == "" and case.anonymous
    row = Client().get(f"{BASE}/requests/{case.number}.json").json()[0]
    assert row["description"] == "我是林**，我母亲陈**腿脚不便，垃圾没人清，打***********"
    assert _leaks(json.dumps(row, ensure_ascii=False)) == [] and "秀英" not in row["description"]


def test_replies_notes_and_free_text_attributes_are_masked_too(cw: CasesWorld, key: str) -> None:
    a = cw.world.accounts
    number = _post(key, **{"attribute[estate]": f"阳光花园3号楼501室 {NAME} {PHONE}"})["service_request_id"]
    case = Case.objects.get(number=number)
    case = services.case_accept(case=case, by=a.community_worker)
    case = services.case_dispatch(
        case=case, by=a.community_worker, region=cw.world.tree.community_a, note=f"请联系{NAME}，{PHONE}"
    )
    case = services.case_start(case=case, by=a.community_worker)
    services.case_reply(
        case=case, by=a.community_worker, reply=f"已上门维修，{NAME}确认（电话{PHONE}，501室）", resolved=True
    )
    row = Client().get(f"{BASE}/requests/{number}.json", {"extensions": "true"}).json()[0]
    text = json.dumps(row, ensure_ascii=False)
    assert _leaks(text) == [], _leaks(text)
    assert row["status_notes"] == "已上门维修，张**确认（电话***********，）"
    assert row["attributes"] == {"estate": "阳光花园3号楼 张** ***********"}
    assert "请联系张**，***********" in [n["description"] for n in row["notes"]]


def test_rows_stored_before_public_texts_are_masked_on_the_fly(cw: CasesWorld, key: str) -> None:
    number = _post(key)["service_request_id"]
    Case.objects.filter(number=number).update(public_description="")
    row = Client().get(f"{BASE}/requests/{number}.json").json()[0]
    assert row["description"].startswith("我是3号楼的张**") and _leaks(row["description"]) == []


def test_media_url_is_the_reporting_systems_checked_link_never_a_residents_photo(
    cw: CasesWorld, key: str
) -> None:
    linked = _post(key, media_url="https://12345.example.org/p/1.jpg")["service_request_id"]
    assert Client().get(f"{BASE}/requests/{linked}.json").json()[0]["media_url"] == (
        "https://12345.example.org/p/1.jpg"
    )
    # a link stored before links were checked is not published
    Case.objects.filter(number=linked).update(attributes={"media_url": "javascript:alert(1)"})
    assert Client().get(f"{BASE}/requests/{linked}.json").json()[0]["media_url"] is None
    lat, lon = grid_center(0)
    photo = SimpleUploadedFile("p.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    case = services.case_create(
        by=cw.world.accounts.resident,
        category="sanitation.complaint",
        description="垃圾",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
        photos=[photo],
    )
    assert case.photos.count() == 1
    for fmt in ("json", "xml"):
        body = Client().get(f"{BASE}/requests/{case.number}.{fmt}").content.decode()
        assert "/photos/" not in body and "/media/" not in body and "cases/20" not in body
    assert Client().get(f"{BASE}/requests/{case.number}.json").json()[0]["media_url"] is None


def test_api_refuses_a_media_url_that_is_not_http(cw: CasesWorld, token_client_for) -> None:
    lat, lon = grid_center(0)
    c = token_client_for(cw.world.accounts.community_worker)
    for bad in ("javascript:alert(1)", "data:image/png;base64,AAAA", "https://example.org/" + "x" * 490):
        r = c.post(
            "/api/cases/",
            {
                "category": "sanitation.complaint",
                "description": "垃圾",
                "lat": lat,
                "lon": lon,
                "media_url": bad,
            },
            content_type="application/json",
        )
        assert r.status_code == 422 and "media_url" in r.json()["errors"], (bad, r.content)
    assert not Case.objects.exists()


def test_the_public_list_costs_the_same_queries_for_3_rows_as_for_6(cw: CasesWorld, key: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as plain:
            rows = Client().get(f"{BASE}/requests.json").json()
        with CaptureQueriesContext(connection) as ext:
            Client().get(f"{BASE}/requests.json", {"extensions": "true"})
        assert _leaks(json.dumps(rows, ensure_ascii=False)) == []
        return len(plain), len(ext)

    for _ in range(3):
        _post(key)
    few = count()
    for _ in range(3):
        _post(key)
    assert count() == few and few[0] <= 2
