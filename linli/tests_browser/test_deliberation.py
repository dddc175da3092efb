"""议事协商 in the browser: residents raise and support a topic on the phone (390×844); a community
worker takes a topic through 四议两公开 — a meeting with attendance and a proxy, a counted vote, the
resolution, its publication, the execution report with evidence and the result — and the public
board shows the result without login and without personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.core.roles import Role
from linli.deliberation import services
from linli.deliberation.models import CommunitySetting, Procedure, RecordKind, Topic, TopicStatus
from linli.testing.factories import PersonFactory, UserFactory, World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def test_residents_raise_and_support_a_topic_on_the_phone(world: World, signed_in) -> None:
    CommunitySetting.objects.create(region=world.tree.community_a, support_threshold=1)
    neighbour = PersonFactory.create(name="黄阿姨", birth_date=dt.date(1956, 4, 1), region=world.tree.grid_a2)
    UserFactory.create(
        username="neighbour", role=Role.RESIDENT, region=world.tree.community_a, person=neighbour
    )

    v = signed_in("resident", phone=True)
    page = v.page
    v.menu("社区议事")
    page.get_by_text("我有事想和大家商量").click()
    page.get_by_label("议题（一句话说清想商量的事）").fill("小区门口增设爱心座椅")
    page.get_by_label("具体内容").fill("菜市场门口没有座位，老人买菜走累了没地方歇脚")
    page.get_by_role("button", name="提出议题").click()
    expect(page.locator(".messages")).to_contain_text("1 位居民附议后社区将受理")
    expect(page.locator("main")).to_contain_text("这是您提出的议题")
    assert v.page_width() <= 390
    v.shot("deliberation-raised")

    n = signed_in("neighbour", phone=True)
    n.menu("社区议事")
    n.page.get_by_role("link", name="小区门口增设爱心座椅").click()
    n.page.get_by_role("button", name="我也支持（附议）").click()
    expect(n.page.locator(".messages")).to_contain_text("目前 1 人附议，已达到受理人数")
    expect(n.page.locator("main")).to_contain_text("您已附议")
    assert n.page_width() <= 390
    n.shot("deliberation-supported")

    topic = Topic.objects.get(title="小区门口增设爱心座椅")
    assert topic.supports == 1 and topic.threshold_reached_at is not None
    w = signed_in("community_worker")
    expect(w.page.locator("main")).to_contain_text("小区门口增设爱心座椅")  # on the to-do of the home page
    w.go("/deliberation/", "deliberation-topics")
    expect(w.page.locator(".dl-alert")).to_contain_text("小区门口增设爱心座椅")


def test_four_deliberations_two_publications_to_the_public_board(
    world: World, signed_in, browser, live_server
) -> None:
    cw = world.accounts.community_worker
    proc = Procedure.objects.get(code="siyi_ligongkai")
    topic = services.topic_raise(
        by=cw,
        title="村集体闲置厂房公开招租",
        description="三资管理：闲置厂房对外公开招租",
        region=world.tree.community_a,
    )
    members = [
        PersonFactory.create(name=n, region=world.tree.grid_a1)
        for n in ("王建设", "李红梅", "赵国强", "钱文华")
    ]
    v = signed_in("community_worker")
    page = v.page
    v.go(f"/deliberation/topics/{topic.number}/", "deliberation-topic-new")
    page.get_by_label("议事程序").select_option(label="四议两公开")
    page.get_by_role("button", name="受理并进入议事程序").click()
    expect(page.locator(".dl-steps li.current")).to_contain_text("党组织提议")
    # the first three steps are held (meetings signed) through the services; the browser records them in order
    steps = list(proc.steps.order_by("order"))
    for st in steps[:3]:
        m = services.meeting_call(
            topic=topic,
            by=cw,
            body=st.body,
            agenda=st.name,
            starts_at=timezone.now(),
            members=2,
            place="议事厅",
        )
        for p in members[:2]:
            services.attendance_record(meeting=m, by=cw, person=p)
        services.meeting_record_add(meeting=m, by=cw, kind=RecordKind.MINUTES, text="同意")
        services.meeting_sign(meeting=m, by=cw)
    # out of order is refused: 4 cannot be recorded before 1 (the page only offers the next step)
    page.reload()
    for i, st in enumerate(steps[:3]):
        page.locator(".dl-step-form select[name=meeting]").select_option(index=i + 1)
        page.get_by_role("button", name=f"记录“{st.name}”").click()
        expect(page.locator(".messages")).to_contain_text(f"已记录“{st.name}”")
    expect(page.locator(".dl-steps li.current")).to_contain_text("村（居）民会议或代表会议决议")

    page.locator("summary", has_text="召集会议").click()
    page.get_by_label("会议机构").select_option(label="居（村）民代表会议")
    page.get_by_label("议程").fill("表决厂房公开招租方案")
    page.get_by_label("其他地点").fill("万福社区民主议事厅")
    page.get_by_label("应到人数").fill("4")
    page.get_by_role("button", name="召集").click()
    expect(page.locator("#quorum")).to_contain_text("未达到")
    for name, proxy in (("王建设", ""), ("李红梅", ""), ("赵国强", "王建设"), ("钱文华", "王建设")):
        page.get_by_label("成员姓名").fill(name)
        page.get_by_label("委托给（受托人姓名，本人到会则不填）").fill(proxy)
        page.get_by_role("button", name="签到").click()
    expect(page.locator(".messages")).to_contain_text("最多接受 1 人委托")  # the proxy beyond the limit
    expect(page.locator("#quorum")).to_contain_text("实到 3 人，达到")
    page.locator("summary", has_text="发起表决").click()
    page.get_by_label("表决事项").fill("是否同意公开招租")
    page.get_by_role("button", name="发起表决").click()
    page.get_by_label("同意").fill("2")
    page.get_by_label("反对").fill("0")
    page.get_by_label("弃权").fill("0")
    page.get_by_label("收回票数").fill("3")
    page.get_by_role("button", name="录入票数").click()
    expect(page.locator(".messages")).to_contain_text("与收回票数 3 张不符")
    for label, n in (("同意", "2"), ("反对", "0"), ("弃权", "1"), ("收回票数", "3")):
        page.get_by_label(label).fill(n)  # the refused count is not kept: entered again in full
    page.get_by_role("button", name="录入票数").click()
    expect(page.locator(".messages")).to_contain_text("票数已录入")
    page.get_by_role("button", name="结束投票并计票").click()
    expect(page.locator("#explanation")).to_contain_text("同意 2 票，占实到 3 人")
    v.shot("deliberation-vote")
    page.get_by_role("link", name="村集体闲置厂房公开招租").click()
    page.get_by_role("link", name="居（村）民代表会议").click()
    page.locator("summary", has_text="形成决议").click()
    page.get_by_label("决议内容").fill("同意闲置厂房公开招租，租期三年，租金纳入村集体收入。")
    page.get_by_label("依据的表决").select_option(index=1)
    page.get_by_role("button", name="形成决议").click()
    expect(page.locator(".messages")).to_contain_text("决议已形成")
    page.locator("#rec_text").fill("会议记录：实到 3 人（含委托 1 人），表决通过。")
    page.get_by_role("button", name="追加记录").click()
    page.get_by_role("button", name="记录人签署").click()
    expect(page.locator("main")).to_contain_text("签署")
    v.shot("deliberation-meeting")
    page.get_by_role("link", name="村集体闲置厂房公开招租").click()
    page.locator(".dl-step-form select[name=meeting]").select_option(index=4)
    page.get_by_role("button", name="记录“村（居）民会议或代表会议决议”").click()
    expect(page.locator(".dl-steps li.current")).to_contain_text("决议公开")

    res = topic.resolutions.get()
    for kind, title, body in (("决议公开", "决议公开：厂房公开招租", res.text),):
        v.go("/deliberation/board/", "deliberation-board-admin")
        page.locator("summary", has_text="发布公开事项").click()
        page.get_by_label("公开类别").select_option(label=kind)
        page.get_by_label("标题").fill(title)
        page.get_by_label("内容").fill("联系人王建设 13859001234")
        page.get_by_role("button", name="发布").click()
        expect(page.locator("main")).to_contain_text("不能含有电话号码")  # refused, nothing posted
        page.get_by_label("内容").fill(body)
        page.get_by_label("对应决议").select_option(index=1)
        page.get_by_role("button", name="发布").click()
        expect(page.locator(".messages")).to_contain_text("已发布到公开栏")
    v.go(f"/deliberation/topics/{topic.number}/", "deliberation-topic-resolved")
    page.get_by_role("button", name="记录“决议公开”").click()
    page.get_by_label("进展情况").fill("已签订租赁合同并收取首年租金")
    page.get_by_label("完成进度（%）").fill("100")
    page.get_by_role("button", name="报告进展").click()
    expect(page.locator(".messages")).to_contain_text("须附佐证材料")
    page.get_by_label("进展情况").fill("已签订租赁合同并收取首年租金")
    page.get_by_label("完成进度（%）").fill("100")
    page.get_by_label("佐证材料（验收记录、照片说明等）").fill("租赁合同（村档案 2026-08）")
    page.get_by_role("button", name="报告进展").click()
    expect(page.locator("main")).to_contain_text("已执行")
    services.notice_publish(
        region=topic.region,
        by=cw,
        kind="result",
        title="实施结果公开：厂房已出租",
        body="厂房已按决议公开招租并出租，租金纳入村集体收入。",
        resolution=res,
    )
    page.reload()
    page.get_by_role("button", name="记录“实施结果公开”").click()
    expect(page.locator("main")).to_contain_text("议事程序已全部完成")
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.CLOSED

    # the public board: no login, the result shown, no names of the people who met, no phones
    context = browser.new_context(viewport={"width": 390, "height": 844})
    public = context.new_page()
    public.goto(f"{live_server.url}/deliberation/public/{topic.region.code}/")
    main = public.locator("main")
    expect(main).to_contain_text("实施结果公开：厂房已出租")
    expect(main).to_contain_text("决议公开：厂房公开招租")
    text = main.inner_text()
    for private in ("王建设", "李红梅", "赵国强", "钱文华", "林建国", "13859001234"):
        assert private not in text
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    feed = public.goto(f"{live_server.url}/deliberation/public/{topic.region.code}/feed/")
    assert feed is not None and "application/atom+xml" in feed.headers["content-type"]
    assert "实施结果公开：厂房已出租" in feed.text()
    context.close()
