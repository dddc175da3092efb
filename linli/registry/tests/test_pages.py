"""Pages as each role: what each can and cannot see and do, through every door (pages, search,
exports, reveal, edit, admin). The API door is covered in test_api*.py."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linli.core.models import AuditLog, ImportRun, User

PAGES = [
    "home",
    "regions:tree",
    "registry:persons",
    "registry:households",
    "registry:buildings",
    "registry:organisations",
    "registry:staff",
    "registry:audit",
    "registry:import",
    "audit_log",
]
# Which pages each role may open (200) — the rest answer 403.
ALLOWED = {
    "resident": {"home"},
    "department_handler": {"home", "registry:organisations"},
    "grid_worker": set(PAGES) - {"registry:import", "audit_log"},
    "community_worker": set(PAGES) - {"audit_log"},
    "street_coordinator": set(PAGES) - {"registry:import", "audit_log"},
    "district_admin": set(PAGES),
    "system_admin": set(PAGES),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ALLOWED))
def test_every_page_answers_each_role(world, client_for, role):
    user = getattr(world.accounts, role)
    c = client_for(user)
    for name in PAGES:
        status = c.get(reverse(name)).status_code
        assert status == (200 if name in ALLOWED[role] else 403), (role, name, status)


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client):
    r = client.get(reverse("registry:persons"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_community_worker_cannot_reach_another_community(world, client_for):
    a = client_for(world.accounts.community_worker)
    other = world.people.in_b  # community B
    assert a.get(reverse("registry:person", args=[other.pk])).status_code == 404
    assert a.get(reverse("registry:person_edit", args=[other.pk])).status_code == 404
    r = a.post(reverse("registry:person_reveal", args=[other.pk, "id_number"]), {"reason": "核查"})
    assert r.status_code == 404
    r = a.post(
        reverse("registry:person_edit", args=[other.pk]),
        {"name": "篡改", "residence_type": "户籍", "ethnicity": "汉族"},
    )
    assert r.status_code == 404
    other.refresh_from_db()
    assert other.name == "郑志强"
    # search by name, by full ID number, by phone: nothing from B
    for q in ["郑志强", other.id_number.reveal()]:
        page = a.get(reverse("registry:persons"), {"q": q}).content.decode()
        assert "没有符合条件的人员" in page and f"/registry/persons/{other.pk}/" not in page
    assert "郑志强" not in a.get(reverse("registry:persons")).content.decode()
    assert a.get(reverse("regions:detail", args=[world.tree.community_b.code])).status_code == 404
    # export: only A's persons
    body = a.post(reverse("registry:export", args=["persons"]), {"format": "csv"})
    text = b"".join(body.streaming_content).decode("utf-8-sig")
    assert "林建国" in text and "郑志强" not in text


@pytest.mark.django_db
def test_masked_everywhere_and_reveal_is_audited(world, client_for):
    c = client_for(world.accounts.community_worker)
    head = world.people.head
    full = head.id_number.reveal()
    for url in [
        reverse("registry:persons"),
        reverse("registry:person", args=[head.pk]),
        reverse("registry:household", args=[world.people.household.pk]),
    ]:
        page = c.get(url).content.decode()
        assert full not in page and head.phone.reveal() not in page
        assert str(head.id_number) in page or url == reverse(
            "registry:household", args=[world.people.household.pk]
        )
    url = reverse("registry:person_reveal", args=[head.pk, "id_number"])
    assert "事由" in c.post(url, {"reason": ""}).content.decode()
    assert not AuditLog.objects.filter(action="reveal").exists()
    assert full in c.post(url, {"reason": "核对低保申请"}).content.decode()
    log = AuditLog.objects.get(action="reveal")
    assert (log.actor, log.field, log.reason, log.subject_id) == (
        world.accounts.community_worker,
        "id_number",
        "核对低保申请",
        str(head.pk),
    )
    # The street coordinator has no reveal permission: no form, and the endpoint refuses.
    s = client_for(world.accounts.street_coordinator)
    assert (
        "person_reveal" not in s.get(reverse("registry:person", args=[head.pk])).content.decode()
        and f"/registry/persons/{head.pk}/reveal/"
        not in s.get(reverse("registry:person", args=[head.pk])).content.decode()
    )
    assert full not in s.post(url, {"reason": "想看"}).content.decode()
    assert AuditLog.objects.filter(action="reveal").count() == 1


@pytest.mark.django_db
def test_exports_are_audited_and_full_values_need_permission_and_reason(world, client_for):
    c = client_for(world.accounts.community_worker)
    url = reverse("registry:export", args=["persons"])
    r = c.post(url, {"format": "xlsx"})
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    ids = [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert ids and all("*" in (v or "*") for v in ids)
    assert AuditLog.objects.get(action="export").row_count == len(ids)
    assert c.post(url, {"format": "xlsx", "full": "1"}).status_code == 302  # no reason: refused
    r = c.post(url, {"format": "csv", "full": "1", "reason": "上报民政局核对"})
    assert world.people.head.id_number.reveal() in b"".join(r.streaming_content).decode("utf-8-sig")
    assert AuditLog.objects.filter(action="export", reason="上报民政局核对").exists()
    g = client_for(world.accounts.grid_worker)  # may read, may not export
    assert g.post(url, {"format": "csv"}).status_code == 302
    assert AuditLog.objects.filter(action="export").count() == 2


@pytest.mark.django_db
def test_admin_lists_are_scoped_too(world, client_for):
    staff_user = world.accounts.community_worker
    User.objects.filter(pk=staff_user.pk).update(is_staff=True)
    staff_user.refresh_from_db()
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(*Permission.objects.filter(codename__in=["view_person", "change_person"]))
    c = client_for(staff_user)
    page = c.get("/admin/registry/person/").content.decode()
    assert "林建国" in page and "郑志强" not in page
    assert (
        world.people.head.id_number.reveal()
        not in c.get(f"/admin/registry/person/{world.people.head.pk}/change/").content.decode()
    )
    assert c.get(f"/admin/registry/person/{world.people.in_b.pk}/change/").status_code in (302, 404)


@pytest.mark.django_db
def test_person_form_errors_name_the_field_and_lose_nothing(world, client_for):
    c = client_for(world.accounts.community_worker)
    data = {
        "name": "新居民",
        "id_number": "350504199001011230",
        "residence_type": "户籍",
        "ethnicity": "汉族",
        "region_code": world.tree.grid_a1.code,
        "phone": "13912345678",
    }
    page = c.post(reverse("registry:person_new"), data).content.decode()
    assert "校验位" in page and 'value="新居民"' in page and 'value="13912345678"' in page


@pytest.mark.django_db
def test_import_page_round_trip(world, client_for):
    c = client_for(world.accounts.community_worker)
    tpl = c.get(reverse("registry:import_template", args=["persons", "xlsx"]))
    header = [
        v for v in next(load_workbook(io.BytesIO(tpl.content)).worksheets[0].iter_rows(values_only=True))
    ]
    assert header[0] == "姓名*" and "公民身份号码" in header
    bad = io.BytesIO("姓名,所属网格编码\n,350504001001001\n".encode())
    bad.name = "bad.csv"
    page = c.post(
        reverse("registry:import"), {"kind": "persons", "file": bad, "dry_run": "0"}, follow=True
    ).content.decode()
    assert "未导入" in page and "下载错误报告" in page
    run = ImportRun.objects.get()
    report = c.get(reverse("registry:import_errors", args=[run.pk]))
    rows = list(load_workbook(io.BytesIO(report.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == (2, "姓名")
    # Another community's worker cannot download this report.
    assert (
        client_for(world.accounts.community_worker_b)
        .get(reverse("registry:import_errors", args=[run.pk]))
        .status_code
        == 404
    )
