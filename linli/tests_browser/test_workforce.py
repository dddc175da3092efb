"""网格工作 on the phone and at the desk: a grid worker runs a patrol (positions injected by the test
through Playwright's geolocation and the page's "linli:patrol-sample" hook), reports an event and
completes a grid task on the way; a community worker sees the day's patrol coverage; a department's
task that the duty list forbids is refused with the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.cases.models import Case, Channel
from linli.registry.models import StaffKind
from linli.testing.factories import StaffFactory, World
from linli.workforce import services
from linli.workforce.models import Candidate, GridTask, Patrol, StaffGrade, TaskItem, TaskKind
from linli.workforce.tests.conftest import catalogue, outline

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def test_grid_worker_patrols_reports_an_event_and_completes_a_task(world: World, signed_in) -> None:
    building = outline(world)
    catalogue(world)
    task = services.grid_task_create(
        by=world.accounts.department_handler,
        title="燃气安全入户排查",
        kind=TaskKind.SURVEY,
        region=world.tree.community_a,
        deadline=timezone.localdate() + dt.timedelta(days=3),
        fields=[{"label": "是否发现燃气隐患", "type": "yesno"}, {"label": "使用燃气户数", "type": "number"}],
        funding="每户5元，区住建局拨付",
    )
    v = signed_in("grid_worker", phone=True)
    page = v.page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9599, "longitude": 118.6700})  # 11 m from the building

    v.go("/workforce/patrol/", "patrol-start")
    expect(page.locator(".consent")).to_contain_text("只在巡查期间记录")
    page.locator("#consent").check()
    page.locator("#patrol-start").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#patrol-live")).to_contain_text("巡查中")
    for lat in (24.9590, 24.9595, 24.9600):
        page.context.set_geolocation({"latitude": lat, "longitude": 118.6700})
        with page.expect_response(lambda r: "/workforce/patrol/points/" in r.url):
            page.evaluate("document.dispatchEvent(new Event('linli:patrol-sample'))")
    expect(page.locator("#track-count")).to_have_text("4")
    expect(page.locator("#nearby-list")).to_contain_text(building.name)
    v.shot("patrol-live")
    assert v.page_width() <= 390

    page.locator("#event-category").select_option(index=1)  # 0 is "请选择类别"
    page.locator("#event-text").fill("阳光花园1号楼楼道堆放杂物，堵住消防通道")
    page.locator("#event-submit").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已上报诉求")
    case = Case.objects.get(description__startswith="阳光花园1号楼楼道")
    assert case.channel == Channel.PATROL and case.grid_id == world.tree.grid_a1.pk

    page.get_by_role("link", name=f"{task.get_kind_display()}：{task.title}").click()
    page.wait_for_load_state("networkidle")
    item = TaskItem.objects.get(task=task, building=building)
    form = page.locator(f"form.task-item:has(input[name=item][value='{item.pk}'])")
    form.get_by_label("否").check()
    form.locator("input[name=f2]").fill("12")
    form.get_by_role("button", name="填报这一项").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text(f"已填报：{building.name}")
    item.refresh_from_db()
    assert item.answers == {"f1": "no", "f2": "12"}
    v.shot("task-done")

    v.go("/workforce/patrol/", "patrol-back")
    page.locator("#patrol-end").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("巡查已结束")
    p = Patrol.objects.get()
    # the test's positions come faster than anyone walks: those are flagged, not trusted
    assert p.status == "done" and p.points == 4 and p.buildings_passed >= 1
    assert p.flagged == p.track.filter(flagged=True).count()
    assert {lg.kind for lg in p.logs.all()} == {"event", "task"}


def test_community_worker_sees_coverage_and_a_forbidden_task_is_refused(world: World, signed_in) -> None:
    outline(world)
    catalogue(world)
    now = timezone.now()
    Patrol.objects.create(
        worker=world.accounts.grid_worker,
        grid=world.tree.grid_a1,
        day=timezone.localdate(),
        started_at=now,
        ended_at=now,
        status="done",
        consent_at=now,
        minutes_in_grid=42,
        distance_in_grid_m=2100,
        buildings_passed=9,
    )
    v = signed_in("community_worker")
    v.menu("巡查覆盖")
    rows = v.page.locator("#coverage-table tbody tr")
    # today is not over: what is missing reads as still to do
    expect(rows.filter(has_text=world.tree.grid_a1.name)).to_contain_text("今天还差 1 次")
    expect(rows.filter(has_text=world.tree.grid_a2.name)).to_contain_text("今天还差 2 次")
    expect(v.page.locator("#coverage-summary")).to_contain_text("0 个达到")
    v.page.get_by_role("link", name="‹ 前一天").click()  # yesterday: nobody patrolled, both grids missed
    v.page.wait_for_load_state("networkidle")
    expect(rows.filter(has_text=world.tree.grid_a2.name)).to_contain_text("少巡 2 次")
    v.shot("coverage")

    d = signed_in("department_handler")
    d.go("/workforce/tasks/new/", "task-new")
    page = d.page
    page.locator("#task-title").fill("协助完成年度招商引资任务摸排")
    page.locator("#task-region").select_option(value=world.tree.community_a.code)
    page.locator("input[name=deadline]").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.locator("textarea[name=fields_text]").fill("企业名称|文字")
    page.get_by_role("button", name="派发").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#title-error")).to_contain_text("负面清单")
    expect(page.locator("#title-error")).to_contain_text("政府职能部门")
    d.shot("task-refused")
    assert not GridTask.objects.exists()


def test_grades_and_candidates_are_entered_on_the_phone(world: World, signed_in) -> None:
    """A street coordinator grades a community worker (19 refused in Chinese, 9 kept); a community
    worker enters a candidate and marks him placed — all at 390×844, nothing wider than the screen."""
    staff = StaffFactory.create(
        kind=StaffKind.COMMUNITY_WORKER, post="居委会委员", region=world.tree.community_a, grids=[]
    )
    s = signed_in("street_coordinator", phone=True)
    s.menu("社区工作者队伍")
    s.page.get_by_role("link", name="定岗定级").click()
    row = s.page.locator("#grades tbody tr", has_text=staff.name)
    expect(row).to_contain_text("未定级")
    row.get_by_role("link", name="定级").click()
    page = s.page
    page.locator("#id_post").select_option(value="member")
    page.locator("#id_grade").fill("19")
    page.locator("#id_annual_pay").fill("62000")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".errorlist")).to_contain_text("等级应为 1–18 级（三岗十八级）")
    assert not StaffGrade.objects.exists()
    page.locator("#id_grade").fill("9")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#grades tbody tr", has_text=staff.name)).to_contain_text("其他专职社区工作者 9 级")
    assert s.page_width() <= 390
    s.shot("grades")

    c = signed_in("community_worker", phone=True)
    c.menu("后备人才库")
    page = c.page
    page.get_by_role("link", name="登记后备人选").click()
    page.locator("#id_name").fill("陈晓")
    page.locator("#id_birth_year").fill("1994")
    page.locator("#id_intended_post").fill("居委会主任")
    page.get_by_role("button", name="登记入库").click()
    row = page.locator("#candidates tbody tr", has_text="陈晓")
    row.get_by_role("link", name="任用或退出").click()
    page.locator("#id_status").select_option(value="placed")
    page.locator("#id_outcome").fill("居委会副主任")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#candidates")).not_to_contain_text("陈晓")  # left the pool
    assert Candidate.objects.get().status == "placed"
    assert c.page_width() <= 390
    c.shot("candidates")
