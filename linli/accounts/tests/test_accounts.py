"""账号管理: opening accounts from the staff registry, the grant rules (never above one's own role or
outside one's subtree), deactivation kept with its reason, resets, unlocks, bulk creation all or
nothing, resident links after a worker's check, and the same rules through the API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook

from linli.accounts import engine, services
from linli.accounts.models import PersonLink, StaffAccount, StatusChange
from linli.accounts.selectors import accounts_managed
from linli.core.errors import error_code
from linli.core.models import AuditLog, User
from linli.core.roles import Role
from linli.core.scope import OutOfScope
from linli.registry.models import StaffKind
from linli.testing.factories import StaffFactory, World

pytestmark = pytest.mark.django_db


def test_grant_rules_in_plain_python():
    refuse = engine.grant_refusal
    assert refuse("district_admin", "350504", "grid_worker", "350504001001001") is None
    assert refuse("district_admin", "350504", "district_admin", "350504")[2] == "accounts.role_too_high"
    assert (
        refuse("street_coordinator", "350504001", "street_coordinator", "350504001")[2]
        == "accounts.role_too_high"
    )
    assert refuse("street_coordinator", "350504001", "community_worker", "350504100201")[2] == (
        "accounts.region_out_of_scope"
    )
    assert (
        refuse("street_coordinator", "350504001", "department_handler", "350504")[2]
        == "accounts.region_out_of_scope"
    )
    assert refuse("district_admin", "350504", "grid_worker", "350504001001")[2] == "accounts.region_level"
    assert (
        refuse("community_worker", "350504001001", "resident", "350504001001")[2] == "accounts.not_a_manager"
    )
    assert refuse("system_admin", "", "system_admin", "")[2] == "accounts.role_too_high"
    assert refuse("system_admin", "", "district_admin", "350504") is None


@pytest.fixture
def grid_staff(world: World):
    return StaffFactory.create(
        name="王网格", kind=StaffKind.GRID_WORKER, region=world.tree.community_a, grids=[world.tree.grid_a1]
    )


def _code(exc: pytest.ExceptionInfo) -> str:
    return error_code(exc.value)


def test_district_admin_opens_a_grid_worker_account_from_the_registry(world: World, grid_staff, client):
    admin = world.accounts.district_admin
    opened = services.account_open_for_staff(
        by=admin, staff=grid_staff, username="wang_grid", role=Role.GRID_WORKER, region=world.tree.grid_a1
    )
    user = opened.user
    assert user.display_name == "王网格" and user.must_change_password and user.region == world.tree.grid_a1
    assert user.check_password(opened.password) and len(opened.password) == 12
    assert StaffAccount.objects.get(user=user).staff == grid_staff
    assert user.has_perm("core.reveal_personal_data") and not user.has_perm("core.export_personal_data")
    audit = AuditLog.objects.filter(action="create", subject_id=str(user.pk)).get()
    assert audit.actor == admin and audit.detail["role"] == Role.GRID_WORKER
    # the same staff member cannot get a second account
    with pytest.raises(ValidationError) as exc:
        services.account_open_for_staff(
            by=admin, staff=grid_staff, username="wang2", role=Role.GRID_WORKER, region=world.tree.grid_a1
        )
    assert _code(exc) == "accounts.staff_unavailable"
    # a grid worker is bound to one of their own grids
    other = StaffFactory.create(
        kind=StaffKind.GRID_WORKER, region=world.tree.community_a, grids=[world.tree.grid_a2]
    )
    with pytest.raises(ValidationError) as exc:
        services.account_open_for_staff(
            by=admin, staff=other, username="li_grid", role=Role.GRID_WORKER, region=world.tree.grid_a1
        )
    assert _code(exc) == "accounts.grid_not_staffs"
    # a username taken
    with pytest.raises(ValidationError) as exc:
        services.account_open_for_staff(
            by=admin, staff=other, username="wang_grid", role=Role.GRID_WORKER, region=world.tree.grid_a2
        )
    assert _code(exc) == "accounts.username_taken"


def test_nobody_grants_more_than_their_own(world: World):
    street = world.accounts.street_coordinator  # 万安街道
    staff_town = StaffFactory.create(kind=StaffKind.COMMUNITY_WORKER, region=world.tree.community_c)  # 罗溪镇
    staff_here = StaffFactory.create(kind=StaffKind.COMMUNITY_WORKER, region=world.tree.community_a)
    with pytest.raises(ValidationError) as exc:  # staff of another street: not theirs to open
        services.account_open_for_staff(
            by=street,
            staff=staff_town,
            username="c_worker",
            role=Role.COMMUNITY_WORKER,
            region=world.tree.community_c,
        )
    assert _code(exc) == "accounts.staff_unavailable"
    for role, region, code in [
        (Role.STREET_COORDINATOR, world.tree.street, "accounts.role_too_high"),
        (Role.DISTRICT_ADMIN, world.tree.district, "accounts.role_too_high"),
        (Role.COMMUNITY_WORKER, world.tree.community_c, "accounts.region_out_of_scope"),
        (Role.DEPARTMENT_HANDLER, world.tree.district, "accounts.region_out_of_scope"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.account_open_for_staff(
                by=street, staff=staff_here, username="x_worker", role=role, region=region
            )
        assert _code(exc) == code, role
    assert not User.objects.filter(username="x_worker").exists()
    opened = services.account_open_for_staff(
        by=street,
        staff=staff_here,
        username="x_worker",
        role=Role.COMMUNITY_WORKER,
        region=world.tree.community_a,
    )
    # …and cannot move it out of the street, nor promote it to their own rank
    with pytest.raises(ValidationError) as exc:
        services.account_change(
            by=street, user=opened.user, role=Role.COMMUNITY_WORKER, region=world.tree.community_c
        )
    assert _code(exc) == "accounts.region_out_of_scope"
    with pytest.raises(ValidationError):
        services.account_change(
            by=street, user=opened.user, role=Role.STREET_COORDINATOR, region=world.tree.street
        )
    # accounts of peers and above, and of other streets, are out of reach
    managed = set(accounts_managed(street).values_list("username", flat=True))
    assert "grid_worker" in managed and "community_worker" in managed
    assert not managed & {"street_coordinator", "district_admin", "system_admin", "department_handler"}
    with pytest.raises(OutOfScope):
        services.account_deactivate(by=street, user=world.accounts.district_admin, reason="试图越权")
    # a community worker manages no accounts at all
    with pytest.raises(Exception) as denied:
        services.account_password_reset(by=world.accounts.community_worker, user=world.accounts.grid_worker)
    assert error_code(denied.value) == "accounts.not_a_manager"


def test_change_deactivate_reactivate_reset_unlock_all_audited(world: World, settings):
    admin, target = world.accounts.district_admin, world.accounts.grid_worker
    services.account_change(by=admin, user=target, role=Role.COMMUNITY_WORKER, region=world.tree.community_a)
    target.refresh_from_db()
    assert target.role == Role.COMMUNITY_WORKER and target.has_perm("core.export_personal_data")
    with pytest.raises(ValidationError) as exc:
        services.account_deactivate(by=admin, user=target, reason=" ")
    assert _code(exc) == "accounts.reason_required"
    services.account_deactivate(by=admin, user=target, reason="调离本社区")
    target.refresh_from_db()
    assert not target.is_active and User.objects.filter(pk=target.pk).exists()  # kept, never deleted
    services.account_reactivate(by=admin, user=target, reason="误停用")
    assert [c.active for c in StatusChange.objects.filter(user=target)] == [True, False]
    password = services.account_password_reset(by=admin, user=target)
    target.refresh_from_db()
    assert target.check_password(password) and target.must_change_password
    with pytest.raises(ValidationError) as exc:
        services.account_unlock(by=admin, user=target)
    assert _code(exc) == "account.not_locked"
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username=target.username, failures_since_start=5, ip_address="127.0.0.1")
    assert services.account_unlock(by=admin, user=target) >= 1
    actions = list(AuditLog.objects.filter(subject_id=str(target.pk)).values_list("action", flat=True))
    assert sorted(actions) == sorted(["update", "update", "update", "password_reset", "unlock"])


def _sheet(rows: list[list[Any]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in services.IMPORT_COLUMNS])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_bulk_creation_is_all_or_nothing_with_a_row_and_column_report(world: World):
    admin = world.accounts.district_admin
    a = StaffFactory.create(
        name="甲", kind=StaffKind.GRID_WORKER, region=world.tree.community_a, grids=[world.tree.grid_a1]
    )
    StaffFactory.create(name="乙", kind=StaffKind.COMMUNITY_WORKER, region=world.tree.community_b)
    grid, comm_a, comm_b = world.tree.grid_a1.code, world.tree.community_a.code, world.tree.community_b.code
    bad = _sheet(
        [
            ["jia", "甲", comm_a, "网格员", grid],
            ["yi_b", "乙", comm_b, "区/市管理员", world.tree.district.code],
            ["bing", "丙", comm_a, "社区工作者", comm_a],
        ]
    )
    result = services.accounts_import(by=admin, upload=bad, filename="清单.xlsx")
    errors = result.outcome.report.as_dicts()
    assert [(e["row"], e["column"]) for e in errors] == [(3, "角色"), (4, "工作人员姓名")]
    assert not User.objects.filter(username__in=["jia", "yi_b"]).exists() and result.opened == []
    good = _sheet([["jia", "甲", comm_a, "网格员", grid], ["yi_b", "乙", comm_b, "社区工作者", comm_b]])
    result = services.accounts_import(by=admin, upload=good, filename="清单.xlsx")
    assert not result.outcome.report and len(result.opened) == 2
    assert User.objects.get(username="jia").staff_link.staff == a
    assert AuditLog.objects.filter(action="import").count() == 1


def test_a_resident_is_linked_after_a_community_worker_checks(world: World):
    resident = User.objects.create_user("new_resident", password="x-very-long-pass-1", role=Role.RESIDENT)
    person = world.people.in_a2
    with pytest.raises(ValidationError) as exc:
        services.person_link_request(user=resident, name="不是这个人", id_number=person.id_number.reveal())
    assert _code(exc) == "accounts.person_not_found"
    link = services.person_link_request(user=resident, name=person.name, id_number=person.id_number.reveal())
    assert link.status == "pending" and link.region.code == person.region.code[:12]
    with pytest.raises(ValidationError):
        services.person_link_request(user=resident, name=person.name, id_number=person.id_number.reveal())
    # a community worker of another community does not see it; theirs confirms
    with pytest.raises(OutOfScope):
        services.person_link_decide(by=world.accounts.community_worker_b, link=link, confirm=True)
    services.person_link_decide(
        by=world.accounts.community_worker, link=link, confirm=True, note="已核对身份证"
    )
    resident.refresh_from_db()
    assert resident.person == person and PersonLink.objects.get().status == "confirmed"
    assert AuditLog.objects.filter(subject_type="accounts.personlink", action="update").exists()


def test_pages_and_api_share_the_rules(world: World, grid_staff, client_for):
    street = client_for(world.accounts.street_coordinator)
    assert street.get(reverse("accounts:list")).status_code == 200
    page = street.get(reverse("accounts:staff_pick")).content.decode()
    assert "王网格" in page
    answer = street.post(
        reverse("accounts:open", args=[grid_staff.pk]),
        {"username": "wang_grid", "role": Role.COMMUNITY_WORKER, "region": world.tree.community_c.code},
    )
    assert answer.status_code == 200 and "不能授予超出本账号管辖范围的区域" in answer.content.decode()
    answer = street.post(  # a role above what the form offers is refused by the form itself
        reverse("accounts:open", args=[grid_staff.pk]),
        {"username": "wang_grid", "role": Role.DISTRICT_ADMIN, "region": world.tree.district.code},
    )
    assert answer.status_code == 200 and not User.objects.filter(username="wang_grid").exists()
    answer = street.post(
        reverse("accounts:open", args=[grid_staff.pk]),
        {"username": "wang_grid", "role": Role.GRID_WORKER, "region": world.tree.grid_a1.code},
    )
    assert answer["Cache-Control"] == "no-store" and "one-time-password" in answer.content.decode()
    # the API: same rule, coded; an account outside reach reads as absent
    api = client_for(world.accounts.street_coordinator)
    other = StaffFactory.create(kind=StaffKind.COMMUNITY_WORKER, region=world.tree.community_a)
    answer = api.post(
        "/api/accounts",
        {
            "staff_id": other.pk,
            "username": "zhao",
            "role": "district_admin",
            "region_code": world.tree.district.code,
        },
        content_type="application/json",
    )
    assert answer.status_code == 422 and answer.json()["code"] == "accounts.role_too_high"
    answer = api.post(
        "/api/accounts",
        {
            "staff_id": other.pk,
            "username": "zhao",
            "role": "community_worker",
            "region_code": world.tree.community_a.code,
        },
        content_type="application/json",
    )
    assert answer.status_code == 201 and len(answer.json()["one_time_password"]) == 12
    assert api.get(f"/api/accounts/{world.accounts.district_admin.pk}").status_code == 404
    assert api.get(f"/api/accounts/{world.accounts.grid_worker.pk}").status_code == 200
    assert client_for(world.accounts.community_worker).get(reverse("accounts:list")).status_code == 403


def test_one_account_several_grids(world: World, client_for):
    """A grid worker covering two grids of a community: the grant rules for each, scope the OR of both
    subtrees (lists, single objects, regions), the API and the Excel list taking several codes."""

    def refused(*args: Any) -> str:
        refusal = engine.regions_refusal(*args)
        return refusal[2] if refusal else ""

    a1, a2, b1 = world.tree.grid_a1, world.tree.grid_a2, world.tree.grid_b1
    c1 = world.tree.grid_c1.code
    assert refused("district_admin", "350504", "grid_worker", a1.code, [a2.code]) == ""
    assert (
        refused("district_admin", "350504", "grid_worker", a1.code, [a2.code[:12]]) == "accounts.region_level"
    )
    assert (
        refused("street_coordinator", a1.code[:9], "grid_worker", a1.code, [c1])
        == "accounts.region_out_of_scope"
    )
    assert (
        refused("district_admin", "350504", "resident", a1.code, [a2.code])
        == "accounts.more_regions_resident"
    )
    admin = world.accounts.district_admin
    staff = StaffFactory.create(
        name="陈两格", kind=StaffKind.GRID_WORKER, region=world.tree.community_a, grids=[a1, a2]
    )
    with pytest.raises(ValidationError) as exc:  # only grids the registry says are theirs
        services.account_open_for_staff(
            by=admin, staff=staff, username="chen", role=Role.GRID_WORKER, region=a1, more_regions=[b1]
        )
    assert _code(exc) == "accounts.grid_not_staffs"
    user = services.account_open_for_staff(
        by=admin, staff=staff, username="chen", role=Role.GRID_WORKER, region=a1, more_regions=[a2]
    ).user
    user = User.objects.get(pk=user.pk)
    assert user.region_codes == [a1.code, a2.code]
    assert list(user.extra_regions.values_list("region__code", flat=True)) == [a2.code]
    assert AuditLog.objects.get(action="create", subject_id=str(user.pk)).detail["more_regions"] == [a2.code]
    from linli.core.scope import region_in_scope, scoped
    from linli.registry.models import Person

    seen = set(scoped(Person.objects.all(), user).values_list("pk", flat=True))
    assert world.people.in_a2.pk in seen and world.people.in_b.pk not in seen
    assert region_in_scope(user, a2) and not region_in_scope(user, b1)
    # a change that keeps them (None) is checked against the new role; [] drops them
    with pytest.raises(ValidationError) as exc:
        services.account_change(
            by=admin, user=user, role=Role.COMMUNITY_WORKER, region=world.tree.community_a
        )
    assert _code(exc) == "accounts.region_level"
    services.account_change(by=admin, user=user, role=Role.GRID_WORKER, region=a1, more_regions=[])
    user = User.objects.get(pk=user.pk)
    assert user.region_codes == [a1.code] and not user.extra_regions.exists()
    assert not region_in_scope(user, a2)
    # the API takes and shows the list
    api = client_for(admin)
    answer = api.patch(
        f"/api/accounts/{user.pk}",
        {"role": "grid_worker", "region_code": a1.code, "more_region_codes": [a2.code]},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["more_region_codes"] == [a2.code]
    answer = api.patch(
        f"/api/accounts/{user.pk}",
        {"role": "grid_worker", "region_code": a1.code, "more_region_codes": [b1.code]},
        content_type="application/json",
    )
    assert answer.status_code == 422 and answer.json()["code"] == "accounts.grid_not_staffs"
    # the page: the other grids are checkboxes of the change form
    page = api.get(reverse("accounts:detail", args=[user.pk])).content.decode()
    assert f'name="more_regions" value="{a2.code}"' in page and "checked" in page
    # the Excel list: several codes in the region cell
    other = StaffFactory.create(
        name="林两格", kind=StaffKind.GRID_WORKER, region=world.tree.community_a, grids=[a1, a2]
    )
    result = services.accounts_import(
        by=admin,
        upload=_sheet([["lin", "林两格", world.tree.community_a.code, "网格员", f"{a1.code}、{a2.code}"]]),
        filename="清单.xlsx",
    )
    assert not result.outcome.report
    assert User.objects.get(username="lin").region_codes == [a1.code, a2.code]
    assert other.account_link.user.username == "lin"
