"""Out of scope reads exactly like absent: duplicates, merged requests, merge targets, units, reveal."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from linli.cases import selectors, services
from linli.cases.models import Case, Channel
from linli.core.models import AuditAction, AuditLog
from linli.registry.models import OrganisationKind
from linli.testing.factories import OrganisationFactory, RegionFactory, UserFactory

from .conftest import LAT0, LON0, STEP, CasesWorld, grid_center

# Two points about 100 m apart on either side of the border between grid A2 (万福) and grid B1 (桥南).
NEAR_A = (LAT0 + STEP / 2, LON0 + 2 * STEP - 0.0005)
NEAR_B = (LAT0 + STEP / 2, LON0 + 2 * STEP + 0.0005)
B_TEXT = "桥南这边垃圾桶满了，我是302的"


def _pair(cw: CasesWorld) -> tuple[Case, Case]:
    a = cw.world.accounts
    mine = services.case_create(
        by=a.resident,
        category="sanitation.complaint",
        description="路口垃圾桶满了",
        channel=Channel.APP,
        lat=NEAR_A[0],
        lon=NEAR_A[1],
    )
    theirs = services.case_create(
        by=a.community_worker_b,
        category="sanitation.complaint",
        description=B_TEXT,
        channel=Channel.HOTLINE,
        lat=NEAR_B[0],
        lon=NEAR_B[1],
        reporter_name="郑志强",
    )
    assert mine.region == cw.world.tree.community_a and theirs.region == cw.world.tree.community_b
    return mine, theirs


def _errors(body: str) -> list[str]:
    box = re.search(r'id="errors">((?:<div>.*?</div>)*)</div>', body, re.S)
    return re.findall(r"<div>(.*?)</div>", box.group(1)) if box else []


def test_duplicates_offer_only_requests_in_the_viewers_scope(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    mine, theirs = _pair(cw)
    assert selectors.duplicates_of(mine, a.community_worker) == []
    assert [c for c, _ in selectors.duplicates_of(mine, a.street_coordinator)] == [theirs]
    page = client_for(a.community_worker).get(f"/cases/{mine.number}/").content.decode()
    assert "并单" in page  # the merge form is there …
    assert theirs.number not in page and B_TEXT[:10] not in page and 'id="dups"' not in page  # … without B's
    street = client_for(a.street_coordinator).get(f"/cases/{mine.number}/").content.decode()
    assert theirs.number in street and 'id="dups"' in street and "1 件附近的同类在办诉求" in street


def test_merge_target_out_of_scope_reads_like_a_missing_one(
    cw: CasesWorld, client_for, token_client_for
) -> None:
    a = cw.world.accounts
    mine, theirs = _pair(cw)
    page = client_for(a.community_worker)
    answers = []
    for into in (theirs.number, "20990101-000001"):
        r = page.post(
            f"/cases/{mine.number}/act/", {"action": "merge", "version": mine.version, "into": into}
        )
        assert r.status_code == 422
        answers.append(_errors(r.content.decode()))
    assert answers[0] == answers[1] == ["要并入的诉求不存在，或不在本账号的查看范围内"]
    api = token_client_for(a.community_worker)
    bodies = [
        api.post(
            f"/api/cases/{mine.number}/actions",
            {"action": "merge", "version": mine.version, "into": into},
            content_type="application/json",
        ).json()
        for into in (theirs.number, "20990101-000001")
    ]
    assert bodies[0] == bodies[1] and bodies[0]["errors"]["into"]
    assert Case.objects.get(pk=mine.pk).merged_into is None


def test_merged_requests_of_another_community_are_not_listed(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    mine, theirs = _pair(cw)
    services.case_merge(case=theirs, into=mine, by=a.street_coordinator)
    assert list(selectors.merged_visible(a.street_coordinator, mine)) == [theirs]
    assert list(selectors.merged_visible(a.community_worker, mine)) == []
    page = client_for(a.community_worker).get(f"/cases/{mine.number}/").content.decode()
    assert theirs.number not in page and "<dt>并入的诉求</dt>" not in page
    street = client_for(a.street_coordinator).get(f"/cases/{mine.number}/").content.decode()
    assert f"<dt>并入的诉求</dt><dd>{theirs.number}</dd>" in street
    # B's worker is told where it went, without a link into A's request
    b_page = client_for(a.community_worker_b).get(f"/cases/{theirs.number}/").content.decode()
    assert f"已并入 {mine.number}" in b_page and f'href="/cases/{mine.number}/"' not in b_page


def test_a_unit_outside_the_requests_area_reads_like_an_unknown_one(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    mine, _ = _pair(cw)
    elsewhere = RegionFactory.create(parent=cw.world.tree.city, name="鲤城区")
    foreign = OrganisationFactory.create(
        name="鲤城区城市管理局", kind=OrganisationKind.DEPARTMENT, region=elsewhere
    )
    page = client_for(a.community_worker)
    answers = []
    for unit in (f"org:{foreign.pk}", f"org:{foreign.pk + 999}"):
        r = page.post(f"/cases/{mine.number}/act/", {"action": "accept", "version": mine.version})
        mine.refresh_from_db()
        r = page.post(
            f"/cases/{mine.number}/act/", {"action": "dispatch", "version": mine.version, "unit": unit}
        )
        assert r.status_code == 422
        answers.append(_errors(r.content.decode()))
        assert "鲤城区" not in r.content.decode()
    assert answers[0] == answers[1] == ["未知的部门"]


def _anonymous(cw: CasesWorld) -> Case:
    lat, lon = NEAR_A
    return services.case_create(
        by=cw.world.accounts.resident,
        category="sanitation.complaint",
        description="匿名反映",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
        reporter_phone="13912345678",
        anonymous=True,
    )


def test_an_anonymous_reporters_phone_is_never_revealed(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    case = _anonymous(cw)
    assert case.reporter_phone.reveal() == "13912345678"  # kept, for the automatic return-visit message
    with pytest.raises(PermissionDenied, match="匿名"):
        services.reporter_reveal(case=case, by=a.community_worker, field="reporter_phone", reason="电话回访")
    worker = client_for(a.community_worker)
    page = worker.get(f"/cases/{case.number}/").content.decode()
    assert "/reveal/" not in page and "13912345678" not in page
    for field in ("reporter_phone", "reporter_name"):
        r = worker.post(f"/cases/{case.number}/reveal/{field}/", {"reason": "电话回访"})
        assert r.status_code == 403 and "13912345678" not in r.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_is_refused_by_the_server_wherever_the_page_shows_no_button(
    cw: CasesWorld, client_for
) -> None:
    a = cw.world.accounts
    lat, lon = NEAR_A
    case = services.case_create(
        by=a.resident,
        category="sanitation.complaint",
        description="垃圾",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
    )
    no_permission = UserFactory.create(
        username="worker_np",
        role=a.community_worker.role,
        region=cw.world.tree.community_a,
        default_permissions=False,
    )
    # staff who see the request but are not allowed: no button, and the server refuses
    for user in (no_permission, a.street_coordinator):
        c = client_for(user)
        page = c.get(f"/cases/{case.number}/").content.decode()
        assert "/reveal/" not in page, user.username
        assert not selectors.can_reveal(user, case, "reporter_phone")
        r = c.post(f"/cases/{case.number}/reveal/reporter_phone/", {"reason": "电话回访"})
        assert r.status_code == 403 and "13859001234" not in r.content.decode(), user.username
    # the reporter themself, through the staff URL
    r = client_for(a.resident).post(f"/cases/{case.number}/reveal/reporter_phone/", {"reason": "看看"})
    assert r.status_code == 403
    # out of scope: as absent
    for user in (a.community_worker_b, cw.dept_user):
        assert (
            client_for(user)
            .post(f"/cases/{case.number}/reveal/reporter_phone/", {"reason": "看看"})
            .status_code
            == 404
        )
    # a field that is not the reporter's
    with pytest.raises(ValidationError):
        services.reporter_reveal(case=case, by=a.community_worker, field="description", reason="电话回访")
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL).exists()
    # where the button shows, it works and is audited
    worker = client_for(a.community_worker)
    assert (
        f"/cases/{case.number}/reveal/reporter_phone/"
        in worker.get(f"/cases/{case.number}/").content.decode()
    )
    r = worker.post(f"/cases/{case.number}/reveal/reporter_phone/", {"reason": "电话回访"})
    assert r.status_code == 200 and "13859001234" in r.content.decode()
    assert AuditLog.objects.filter(action=AuditAction.REVEAL).count() == 1


def test_a_request_keeps_its_communitys_code_and_staff_scope_reads_it(cw: CasesWorld) -> None:
    """Scope and the place filter read the request's own copy of its community's code: written when it
    is filed, equal to its community's, and each community sees its own requests, the street both."""
    a = cw.world.accounts
    mine, theirs = _pair(cw)
    for case in (mine, theirs):
        case.refresh_from_db()
        assert case.region_code == case.region.code
    assert set(selectors.visible_cases(a.community_worker)) == {mine}
    assert set(selectors.visible_cases(a.community_worker_b)) == {theirs}
    assert set(selectors.visible_cases(a.street_coordinator)) == {mine, theirs}
    street = selectors.visible_cases(a.street_coordinator)
    by_place = selectors.filter_cases(street, {"region": cw.world.tree.community_b.code})
    assert list(by_place) == [theirs]


def test_a_grid_worker_reads_his_grids_requests_by_their_ids(cw: CasesWorld) -> None:
    """A grid worker sees the requests of his grid and those he filed himself — the same rows as the rule
    by the grid's code — matched by the request's grid column, without joining every request to the
    regions; another grid's request in his community is not his."""
    a = cw.world.accounts
    grid = a.grid_worker.region
    assert grid is not None
    made = [
        services.case_create(
            by=a.resident,
            category="sanitation.complaint",
            description=f"第{i}处：路口垃圾桶满了",
            channel=Channel.APP,
            lat=grid_center(i)[0],
            lon=grid_center(i)[1],
        )
        for i in range(3)
    ]
    filed = services.case_create(
        by=a.grid_worker,
        category="sanitation.complaint",
        description="巡查发现：邻社区路灯不亮",
        channel=Channel.HOTLINE,
        lat=NEAR_B[0],
        lon=NEAR_B[1],
    )
    seen = selectors.visible_cases(a.grid_worker)
    rule = {
        c
        for c in Case.objects.select_related("grid")
        if (c.grid is not None and c.grid.code.startswith(grid.code)) or c.created_by_id == a.grid_worker.pk
    }
    assert set(seen) == rule and filed in rule
    assert any(c.grid_id == grid.pk for c in made) and any(c.grid_id != grid.pk for c in made)
    assert "regions_region" not in str(seen.query)
