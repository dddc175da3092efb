"""The persons API: who sees whom, what each role may change, masking, bad input, query counts."""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from linli.core.engine import idnumber
from linli.core.models import AuditAction, AuditLog
from linli.registry.api import PersonFilterIn, PersonIn, PersonPatch
from linli.registry.models import Person, PersonStatus, PersonTag, TagKind
from linli.registry.selectors import PersonFilter
from linli.registry.services import PERSON_COLUMNS
from linli.testing.factories import HouseholdFactory, PersonFactory, PersonTagFactory, UserFactory

pytestmark = pytest.mark.django_db


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {p["name"] for p in response.json()["items"]}


HOUSEHOLD = {"林建国", "陈秀英", "林晓东"}
COMMUNITY_A = HOUSEHOLD | {"黄美玲"}
STREET = COMMUNITY_A | {"郑志强"}
EVERYONE = STREET | {"苏阿婆"}


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("resident", HOUSEHOLD),
        ("grid_worker", HOUSEHOLD),
        ("community_worker", COMMUNITY_A),
        ("community_worker_b", {"郑志强"}),
        ("street_coordinator", STREET),
        ("department_handler", set()),
        ("district_admin", EVERYONE),
        ("system_admin", EVERYONE),
    ],
)
def test_each_role_lists_exactly_its_scope(world, client_for, account, expected):
    assert _names(client_for(getattr(world.accounts, account)).get("/api/persons")) == expected


@pytest.mark.parametrize(
    ("account", "visible"),
    [
        ("resident", {"head", "spouse", "child"}),
        ("grid_worker", {"head", "spouse", "child"}),
        ("community_worker", {"head", "spouse", "child", "in_a2"}),
        ("street_coordinator", {"head", "spouse", "child", "in_a2", "in_b"}),
        ("department_handler", set()),
        ("district_admin", {"head", "spouse", "child", "in_a2", "in_b", "in_c"}),
    ],
)
def test_each_role_gets_only_persons_in_scope(world, client_for, account, visible):
    client = client_for(getattr(world.accounts, account))
    for attr in ("head", "spouse", "child", "in_a2", "in_b", "in_c"):
        person = getattr(world.people, attr)
        response = client.get(f"/api/persons/{person.pk}")
        assert response.status_code == (200 if attr in visible else 404), (account, attr)
        if attr not in visible:
            assert response.json() == {"detail": "不存在，或不在本账号的数据范围内", "code": "not_found"}


def test_a_resident_with_a_person_but_no_household_sees_only_themself(world, client_for):
    alone = PersonFactory(name="独居老人", region=world.tree.grid_a2)
    user = UserFactory(role="resident", region=world.tree.community_a, person=alone)
    assert _names(client_for(user).get("/api/persons")) == {"独居老人"}


# --- community A may not touch community B ------------------------------------------------------


def test_community_worker_of_a_cannot_touch_a_person_of_b(world, client_for):
    b = world.people.in_b
    before = Person.objects.get(pk=b.pk)
    tag = PersonTagFactory(person=b, kind=TagKind.VETERAN)
    audit_before = AuditLog.objects.count()
    client = client_for(world.accounts.community_worker)
    json = {"content_type": "application/json"}

    assert "郑志强" not in _names(client.get("/api/persons?page_size=200"))
    assert _names(client.get(f"/api/persons?region={world.tree.community_b.code}")) == set()
    assert _names(client.get("/api/persons?q=郑志强")) == set()
    assert _names(client.get(f"/api/persons?q={b.id_number.reveal()}")) == set()
    assert client.get(f"/api/persons/{b.pk}").status_code == 404
    assert client.patch(f"/api/persons/{b.pk}", {"name": "改名"}, **json).status_code == 404
    assert client.post(f"/api/persons/{b.pk}/status", {"status": "moved_out"}, **json).status_code == 404
    assert client.post(f"/api/persons/{b.pk}/tags", {"kind": "dibao"}, **json).status_code == 404
    assert (
        client.post(
            f"/api/persons/{b.pk}/reveal", {"field": "id_number", "reason": "核对身份"}, **json
        ).status_code
        == 404
    )
    assert client.post(f"/api/persons/{b.pk}/tags/{tag.pk}/end", {}, **json).status_code == 404

    assert AuditLog.objects.count() == audit_before  # nothing was read in full, nothing changed

    export = client.get(f"/api/persons/export?region={world.tree.community_b.code}&full=1&reason=核对")
    content = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "郑志强" not in content and b.id_number.reveal() not in content
    assert content.count("\n") == 1  # the header only
    assert AuditLog.objects.get(action=AuditAction.EXPORT).row_count == 0

    after = Person.objects.get(pk=b.pk)
    assert (after.name, after.status, after.updated_at) == (before.name, before.status, before.updated_at)
    assert list(PersonTag.objects.filter(person=b)) == [tag]
    assert PersonTag.objects.get(pk=tag.pk).valid_to is None


def test_a_household_of_b_cannot_be_used_from_a(world, client_for):
    hh_b = HouseholdFactory(region=world.tree.grid_b1)
    response = client_for(world.accounts.community_worker).post(
        "/api/persons",
        {"name": "新人", "sex": "男", "birth_date": "1990-01-01", "household_code": hh_b.code},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"household_code"}
    assert not Person.objects.filter(name="新人").exists()


# --- writes by role ------------------------------------------------------------------------------


def test_department_handler_sees_no_persons(world, client_for):
    client = client_for(world.accounts.department_handler)
    assert client.get("/api/persons").json()["count"] == 0
    assert client.get(f"/api/persons/{world.people.head.pk}").status_code == 404
    assert client.get("/api/households").json()["count"] == 0


def test_resident_cannot_change_even_their_own_record(world, client_for):
    head = world.people.head
    client = client_for(world.accounts.resident)
    response = client.patch(f"/api/persons/{head.pk}", {"note": "我自己改"}, content_type="application/json")
    assert response.status_code == 403
    assert Person.objects.get(pk=head.pk).note == ""
    assert (
        client.post(
            f"/api/persons/{head.pk}/reveal",
            {"field": "id_number", "reason": "看看"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_street_coordinator_reads_but_cannot_write(world, client_for):
    client = client_for(world.accounts.street_coordinator)
    b = world.people.in_b
    assert client.get(f"/api/persons/{b.pk}").status_code == 200
    response = client.patch(f"/api/persons/{b.pk}", {"name": "改名"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "本账号的角色不能修改基础数据"
    assert Person.objects.get(pk=b.pk).name == "郑志强"


def test_grid_worker_writes_only_in_its_grid(world, client_for):
    client = client_for(world.accounts.grid_worker)
    ok = client.post(
        "/api/persons",
        {"name": "新生儿", "sex": "女", "birth_date": "2024-05-01", "region_code": world.tree.grid_a1.code},
        content_type="application/json",
    )
    assert ok.status_code == 201
    refused = client.post(
        "/api/persons",
        {"name": "隔壁网格", "sex": "女", "birth_date": "2024-05-01", "region_code": world.tree.grid_a2.code},
        content_type="application/json",
    )
    # The neighbouring grid reads exactly like a grid that does not exist.
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "region_code": ["所属网格编码：找不到该社区/村或网格，或不在本账号的数据范围内"]
    }
    assert set(Person.objects.filter(name__in=["新生儿", "隔壁网格"]).values_list("name", flat=True)) == {
        "新生儿"
    }
    assert (
        client.patch(
            f"/api/persons/{world.people.in_a2.pk}", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


# --- create, update, status, tags ----------------------------------------------------------------


def test_create_person_from_id_number(world, client_for):
    number = idnumber.make("350504", dt.date(1990, 1, 1), 123, "F")
    response = client_for(world.accounts.community_worker).post(
        "/api/persons",
        {
            "name": "王芳",
            "id_number": number,
            "phone": "13912345678",
            "household_code": world.people.household.code,
            "relation": "child_in_law",
            "residence_type": "resident",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert (person.sex, person.birth_date) == ("F", dt.date(1990, 1, 1))
    assert person.id_number == number and person.phone == "13912345678"
    assert (person.relation, person.residence_type) == ("child_in_law", "resident")
    assert person.household == world.people.household and person.region == world.tree.grid_a1
    assert body["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert body["phone"] == "139****5678"
    assert body["household_code"] == world.people.household.code
    assert AuditLog.objects.filter(action=AuditAction.CREATE, subject_id=str(person.pk)).count() == 1


def _valid_id() -> str:
    return idnumber.make("350504", dt.date(1985, 6, 1), 77, "M")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {
                "name": "张三",
                "id_number": _valid_id()[:-1] + ("0" if _valid_id()[-1] != "0" else "1"),
                "region_code": "350504001001001",
            },
            "id_number",
        ),
        ({"id_number": _valid_id(), "region_code": "350504001001001"}, "name"),
        ({"name": "", "id_number": _valid_id(), "region_code": "350504001001001"}, "name"),
        ({"name": "张三", "id_number": _valid_id(), "household_code": "NOSUCHHOUSE"}, "household_code"),
        (
            {"name": "张三", "id_number": _valid_id(), "region_code": "350504001001001", "phone": "12345"},
            "phone",
        ),
        ({"name": "张三", "sex": "男", "region_code": "350504001001001"}, "birth_date"),
        ({"name": "张三", "id_number": _valid_id()}, "region_code"),
        ({"name": "张三", "id_number": _valid_id(), "region_code": "999999999999"}, "region_code"),
        ({"name": "张三", "id_number": _valid_id(), "region_code": "350504001001001", "sex": "女"}, "sex"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_creates_nothing(world, client_for, payload, field):
    count = Person.objects.count()
    response = client_for(world.accounts.community_worker).post(
        "/api/persons", payload, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"], body
    assert body["detail"]
    assert Person.objects.count() == count
    assert not AuditLog.objects.filter(action=AuditAction.CREATE).exists()


def test_duplicate_id_number_is_refused(world, client_for):
    response = client_for(world.accounts.community_worker).post(
        "/api/persons",
        {
            "name": "冒名",
            "id_number": world.people.head.id_number.reveal(),
            "region_code": world.tree.grid_a2.code,
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "person.id_number_taken",
        "detail": "公民身份号码：该身份证号已登记",
        "errors": {"id_number": ["公民身份号码：该身份证号已登记"]},
    }


def test_update_changes_only_the_fields_sent(world, client_for):
    person = world.people.in_a2
    response = client_for(world.accounts.community_worker).patch(
        f"/api/persons/{person.pk}",
        {"phone": "13700001111", "note": "已核实"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    after = Person.objects.get(pk=person.pk)
    assert (after.phone, after.note, after.name, after.id_number) == (
        "13700001111",
        "已核实",
        "黄美玲",
        person.id_number.reveal(),
    )
    assert response.json()["phone"] == "137****1111"
    log = AuditLog.objects.get(action=AuditAction.UPDATE, subject_id=str(person.pk))
    assert set(log.detail["fields"]) == {"phone", "note"}


def test_update_with_bad_value_changes_nothing(world, client_for):
    person = world.people.in_a2
    response = client_for(world.accounts.community_worker).patch(
        f"/api/persons/{person.pk}",
        {"name": "新名字", "id_number": "350504199001011230"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "id_number" in response.json()["errors"]
    assert Person.objects.get(pk=person.pk).name == "黄美玲"


def test_move_into_a_household(world, client_for):
    person = world.people.in_a2
    response = client_for(world.accounts.community_worker).patch(
        f"/api/persons/{person.pk}",
        {"household_code": world.people.household.code, "relation": "其他"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    after = Person.objects.get(pk=person.pk)
    assert after.household == world.people.household and after.region == world.tree.grid_a1


def test_status_change(world, client_for):
    person = world.people.child
    client = client_for(world.accounts.grid_worker)
    response = client.post(
        f"/api/persons/{person.pk}/status",
        {"status": "moved_out", "note": "迁往厦门"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "moved_out"
    assert Person.objects.get(pk=person.pk).status == PersonStatus.MOVED_OUT
    assert "林晓东" not in _names(client.get("/api/persons"))
    assert "林晓东" in _names(client.get("/api/persons?status=moved_out"))
    assert "林晓东" in _names(client.get("/api/persons?status="))
    assert (
        client.post(
            f"/api/persons/{person.pk}/status", {"status": "gone"}, content_type="application/json"
        ).status_code
        == 422
    )
    # The old endpoint goes through the status history service: the change is dated and kept.
    history = client.get(f"/api/persons/{person.pk}").json()["status_history"]
    assert [(e["kind"], e["on"], e["note"]) for e in history] == [
        ("moved_out", dt.date.today().isoformat(), "迁往厦门")
    ]


def test_old_status_endpoint_ends_tags_like_the_history_service(world, client_for):
    person = world.people.in_a2
    client = client_for(world.accounts.community_worker)
    tag = client.post(f"/api/persons/{person.pk}/tags", {"kind": "dibao"}, content_type="application/json")
    assert tag.status_code == 201
    died = client.post(
        f"/api/persons/{person.pk}/status",
        {"status": "deceased", "on": "2026-01-05"},
        content_type="application/json",
    )
    assert died.status_code == 200, died.content
    body = died.json()
    assert body["status"] == "deceased" and body["status_history"][0]["kind_label"] == "死亡"
    assert body["tag_records"] and all(t["valid_to"] is not None for t in body["tag_records"])
    again = client.post(
        f"/api/persons/{person.pk}/status", {"status": "active"}, content_type="application/json"
    )
    assert again.status_code == 422 and again.json()["code"] == "person.status_change_deceased"
    assert client.get("/api/openapi.json").json()["paths"]["/api/persons/{person_id}/status"]["post"][
        "deprecated"
    ]


def test_newborn_registration(world, client_for):
    client = client_for(world.accounts.community_worker)
    household = world.people.household
    payload = {
        "name": "林小宝",
        "sex": "女",
        "birth_date": (dt.date.today() - dt.timedelta(days=20)).isoformat(),
        "household_code": household.code,
        "relation": "孙子女",
        "event_note": "出生医学证明已核",
    }
    response = client.post("/api/persons/births", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status_history"] == [
        {
            "kind": "born",
            "kind_label": "新生儿登记",
            "on": payload["birth_date"],
            "note": "出生医学证明已核",
            "created_at": body["status_history"][0]["created_at"],
        }
    ]
    future = dict(payload, birth_date=(dt.date.today() + dt.timedelta(days=2)).isoformat())
    refused = client.post("/api/persons/births", future, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "person.birth_date_invalid"
    assert not Person.objects.filter(name="林小宝", birth_date__gt=dt.date.today()).exists()


def test_tags_add_and_end(world, client_for):
    person = world.people.in_a2
    client = client_for(world.accounts.community_worker)
    added = client.post(
        f"/api/persons/{person.pk}/tags",
        {"kind": "dibao", "valid_from": "2024-03-01"},
        content_type="application/json",
    )
    assert added.status_code == 201
    tag = PersonTag.objects.get(pk=added.json()["id"])
    assert (tag.person_id, tag.kind, tag.valid_from, tag.valid_to) == (
        person.pk,
        "dibao",
        dt.date(2024, 3, 1),
        None,
    )
    assert "低保" in client.get(f"/api/persons/{person.pk}").json()["tags"]
    assert _names(client.get("/api/persons?tag=dibao")) == {"黄美玲"}

    again = client.post(f"/api/persons/{person.pk}/tags", {"kind": "dibao"}, content_type="application/json")
    assert again.status_code == 422 and "kind" in again.json()["errors"]
    disabled = client.post(
        f"/api/persons/{person.pk}/tags", {"kind": "disabled"}, content_type="application/json"
    )
    assert disabled.status_code == 422 and "disability_category" in disabled.json()["errors"]

    ended = client.post(
        f"/api/persons/{person.pk}/tags/{tag.pk}/end",
        {"valid_to": "2024-12-31"},
        content_type="application/json",
    )
    assert ended.status_code == 200 and ended.json()["current"] is False
    assert PersonTag.objects.get(pk=tag.pk).valid_to == dt.date(2024, 12, 31)
    assert "低保" not in client.get(f"/api/persons/{person.pk}").json()["tags"]
    records = client.get(f"/api/persons/{person.pk}").json()["tag_records"]
    assert [(r["kind"], r["valid_to"]) for r in records] == [("dibao", "2024-12-31")]
    # a tag of another person cannot be ended through this person
    other = PersonTagFactory(person=world.people.head)
    assert (
        client.post(
            f"/api/persons/{person.pk}/tags/{other.pk}/end", {}, content_type="application/json"
        ).status_code
        == 404
    )


# --- filters, masking, query counts --------------------------------------------------------------


def test_filter_schema_is_exactly_person_filter():
    assert set(PersonFilterIn.model_fields) == {f.name for f in dataclasses.fields(PersonFilter)}


def test_input_schemas_are_exactly_the_import_columns():
    keys = {c.key for c in PERSON_COLUMNS} - {"tags"}  # tags are their own resource (/persons/{id}/tags)
    assert set(PersonIn.model_fields) == keys
    assert set(PersonPatch.model_fields) == keys


def test_filters(world, client_for):
    client = client_for(world.accounts.district_admin)
    assert _names(client.get("/api/persons?sex=F")) == {"陈秀英", "黄美玲", "苏阿婆"}
    assert _names(client.get("/api/persons?age_min=80")) == {"苏阿婆"}
    assert _names(client.get("/api/persons?tag=elderly_60")) == {"林建国", "陈秀英", "苏阿婆"}
    assert _names(client.get("/api/persons?age_max=40")) == {"林晓东"}
    assert _names(client.get("/api/persons?no_household=true")) == {"黄美玲", "郑志强", "苏阿婆"}
    assert _names(client.get(f"/api/persons?region={world.tree.town.code}")) == {"苏阿婆"}
    assert _names(client.get("/api/persons?q=林")) == {"林建国", "林晓东"}
    assert _names(client.get(f"/api/persons?q={world.people.in_c.id_number.reveal()}")) == {"苏阿婆"}
    assert _names(client.get("/api/persons?q=13859001234")) == {"林建国"}
    assert _names(client.get("/api/persons?residence_type=floating")) == set()
    response = client.get("/api/persons?sex=X&tag=rich&age_min=-1")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"sex", "tag", "age_min"}


def test_pagination(world, client_for):
    client = client_for(world.accounts.district_admin)
    first = client.get("/api/persons?page=1&page_size=4").json()
    second = client.get("/api/persons?page=2&page_size=4").json()
    assert first["count"] == second["count"] == 6
    assert (len(first["items"]), len(second["items"]), first["page_size"], second["page"]) == (4, 2, 4, 2)
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in second["items"]}
    assert client.get("/api/persons?page_size=201").status_code == 422
    assert client.get("/api/persons?page=0").status_code == 422


def _plain_values(world) -> list[str]:
    return [v for p in world.people.all() for v in (p.id_number.reveal(), p.phone.reveal()) if v]


def test_masked_values_never_contain_the_full_number(world, client_for):
    plain = _plain_values(world)
    for account in world.accounts.all():
        client = client_for(account)
        urls = [
            "/api/persons?page_size=200",
            f"/api/households/{world.people.household.pk}",
            "/api/audit/four-no-miss/persons_without_household?region=350504",
        ]
        urls += [f"/api/persons/{p.pk}" for p in world.people.all()]
        for url in urls:
            text = client.get(url).content.decode()
            assert not any(v in text for v in plain), (account.username, url)
    item = client_for(world.accounts.community_worker).get(f"/api/persons/{world.people.head.pk}").json()
    full = world.people.head.id_number.reveal()
    assert item["id_number"] == full[:4] + "**********" + full[-4:]
    assert item["phone"] == "138****1234"


def test_list_query_count_does_not_grow_with_the_page(world, client_for, django_assert_num_queries):
    for i in range(40):
        person = PersonFactory(region=world.tree.grid_a1, age=20 + i)
        PersonTagFactory(person=person, kind=TagKind.LIVING_ALONE)
        PersonTagFactory(
            person=person, kind=TagKind.DIBAO, valid_from=dt.date(2019, 1, 1), valid_to=dt.date(2019, 12, 31)
        )
    client = client_for(world.accounts.community_worker)
    # session, account, the account's region (scope), count, the page, the page's current tags
    with django_assert_num_queries(6):
        small = client.get("/api/persons?page_size=5").json()
    with django_assert_num_queries(6):
        large = client.get("/api/persons?page_size=200").json()
    assert (len(small["items"]), len(large["items"]), large["count"]) == (5, 44, 44)
    tagged = [p for p in large["items"] if p["name"].startswith("测试居民")]
    assert all(p["tags"] == ["独居"] for p in tagged)


def test_list_query_count_with_a_token(world, token_client_for, django_assert_num_queries):
    client = token_client_for(world.accounts.district_admin)
    client.get("/api/me")  # the first use writes last_used_at
    # the token with its account and region, count, the page, the page's current tags
    with django_assert_num_queries(4):
        assert client.get("/api/persons").json()["count"] == 6


def test_detail_shows_current_and_ended_tags(world, client_for):
    head = world.people.head
    PersonTagFactory(person=head, kind=TagKind.VETERAN)
    PersonTagFactory(
        person=head, kind=TagKind.DIBAO, valid_from=dt.date(2019, 1, 1), valid_to=dt.date(2019, 12, 31)
    )
    body = client_for(world.accounts.community_worker).get(f"/api/persons/{head.pk}").json()
    assert body["tags"] == ["60周岁以上老年人", "退役军人"]
    assert {(r["kind"], r["current"]) for r in body["tag_records"]} == {("veteran", True), ("dibao", False)}
    assert body["age"] == head.age_on(timezone.localdate())
    assert body["household_address"] == str(world.people.household)
