"""The resident's phone pages: topics first, the suggested category, a place without a map tap, the plain
timeline with whom to call, and 消息 with its unread count."""

from __future__ import annotations

from django.core.cache import cache

from linli.cases import resident, services
from linli.cases.models import Case, Category, Channel, Notification
from linli.registry.models import OrganisationKind
from linli.testing.factories import BuildingFactory, OrganisationFactory

from .conftest import CasesWorld, grid_center


def test_topics_put_the_common_first_and_other_last(cw: CasesWorld) -> None:
    cache.delete(resident.TOPIC_COUNTS_KEY)
    lat, lon = grid_center(0)
    for _ in range(2):
        services.case_create(
            by=cw.world.accounts.resident,
            category="water.help",
            description="停水了",
            channel=Channel.APP,
            lat=lat,
            lon=lon,
        )
    cache.delete(resident.TOPIC_COUNTS_KEY)
    names = [t.name for t in resident.topics()]
    assert names[0] == "供水" and names[-1] == "其他"
    assert sorted(names) == sorted(set(Category.objects.values_list("subject", flat=True)))
    water = resident.topics()[0]
    assert [c.kind for c, _ in water.categories] == ["help", "complaint"]  # 求助 before 投诉
    assert water.categories[0][1] == "求助（需要帮忙解决）"


def test_suggestion_from_the_words_of_the_text(cw: CasesWorld) -> None:
    found = resident.suggest_categories("小区门口垃圾堆了三天没人清理，很臭")
    assert found and found[0].subject == "环境卫生"
    assert [c.subject for c in resident.suggest_categories("楼道里电动车充电很危险")][:1] == ["消防安全"]
    assert resident.suggest_categories("你好你好你好") == []
    assert resident.suggest_categories("垃圾") == []  # too short to say anything


def test_suggest_endpoint_offers_and_never_applies(cw: CasesWorld, client_for) -> None:
    c = client_for(cw.world.accounts.resident)
    body = c.get("/cases/report/suggest/", {"description": "楼下垃圾桶满了没人清运"}).content.decode()
    assert "可能是：环境卫生" in body and "点此选择" in body and 'data-value="sanitation.' in body
    assert c.get("/cases/report/suggest/", {"description": "嗯"}).content.decode().strip() == ""


def test_report_page_offers_topics_as_groups_without_scripts(cw: CasesWorld, client_for) -> None:
    body = client_for(cw.world.accounts.resident).get("/cases/report/").content.decode()
    assert '<optgroup label="物业">' in body and "使用我的位置" in body
    assert body.index('<optgroup label="其他">') > body.index('<optgroup label="物业">')
    assert "/registry/addresses/search/" in body


def test_address_search_finds_buildings_of_the_district_only(cw: CasesWorld, client_for) -> None:
    b = cw.world.people.building
    BuildingFactory.create(
        name="外区大厦", address="晋江市某路1号", region=cw.world.tree.grid_a1
    )  # in the district
    c = client_for(cw.world.accounts.resident)
    hits = c.get("/registry/addresses/search/", {"q": "阳光花园"}).json()["results"]
    assert hits[0] == {
        "id": b.pk,
        "name": "阳光花园1号楼",
        "address": "万安街道万福社区阳光花园1号楼",
        "community": cw.world.tree.community_a.name,
        "lat": b.lat,
        "lon": b.lon,
    }
    assert c.get("/registry/addresses/search/", {"q": "阳光 1号"}).json()["results"][0]["id"] == b.pk
    assert c.get("/registry/addresses/search/", {"q": ""}).json()["results"] == []
    assert (
        client_for(cw.world.accounts.system_admin)
        .get("/registry/addresses/search/", {"q": "阳光花园"})
        .json()["results"]
        == []
    )  # no district: nothing


def test_report_placed_by_a_chosen_building_or_a_typed_address(cw: CasesWorld, client_for) -> None:
    c = client_for(cw.world.accounts.resident)
    b = cw.world.people.building
    r = c.post(
        "/cases/report/",
        {
            "category": "sanitation.complaint",
            "description": "门口垃圾没人清运",
            "building": b.pk,
            "address": b.address,
        },
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.region == cw.world.tree.community_a and case.grid == cw.world.tree.grid_a1
    assert (case.lat, case.lon) == (b.lat, b.lon)
    r = c.post(
        "/cases/report/",
        {
            "category": "sanitation.complaint",
            "description": "路口垃圾没人清运",
            "address": "南山路与滨江路交叉口",
        },
    )
    assert r.status_code == 302  # no building matches: placed where he lives, the community checks it
    typed = Case.objects.get(description="路口垃圾没人清运")
    assert typed.region == cw.world.tree.community_a and typed.lat is None
    assert typed.address == "南山路与滨江路交叉口"
    staff = client_for(cw.world.accounts.community_worker)
    r = staff.post(
        "/cases/intake/",
        {
            "category": "sanitation.complaint",
            "description": "某处",
            "address": "不存在的地址",
            "channel": "hotline",
        },
    )
    assert r.status_code == 422  # staff intake still needs a place it can find


def test_resident_timeline_is_plain_with_whom_to_call(cw: CasesWorld, client_for) -> None:
    OrganisationFactory.create(
        name="万福社区居民委员会",
        kind=OrganisationKind.COMMITTEE,
        region=cw.world.tree.community_a,
        contact_phone="0595-22345678",
    )
    cw.chengguan.contact_phone = ""
    cw.chengguan.save()
    lat, lon = grid_center(0)
    case = services.case_create(
        by=cw.world.accounts.resident,
        category="sanitation.complaint",
        description="门口垃圾没人清运",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
    )
    services.case_accept(case=case, by=None, actor_name=services.ASSISTANT_NAME)
    services.case_dispatch(
        case=case,
        by=None,
        organisation=cw.chengguan,
        note="置信度 100%（阈值 85%）",
        actor_name=services.ASSISTANT_NAME,
    )
    c = client_for(cw.world.accounts.resident)
    body = c.get(f"/cases/{case.number}/").content.decode()
    timeline = body.split('id="timeline"')[1].split("</ol>")[0]
    for plain in ("已提交", "已受理", "已派给洛江区城市管理局", "处理中", "已办结"):
        assert plain in timeline
    for internal in ("置信度", "阈值", services.ASSISTANT_NAME, f"{lat:.5f}"):
        assert internal not in body
    assert "0595-22345678" in body and "万福社区居民委员会" in body  # the department has no phone
    cw.chengguan.contact_phone = "0595-22000000"
    cw.chengguan.save()
    assert "0595-22000000" in c.get(f"/cases/{case.number}/").content.decode()
    staff = client_for(cw.world.accounts.community_worker).get(f"/cases/{case.number}/").content.decode()
    assert "置信度 100%（阈值 85%）" in staff  # the staff keep the full log


def test_messages_badge_and_read_on_open(cw: CasesWorld, client_for) -> None:
    lat, lon = grid_center(0)
    services.case_create(
        by=cw.world.accounts.resident,
        category="water.help",
        description="停水了",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
    )
    c = client_for(cw.world.accounts.resident)
    home = c.get("/cases/mine/").content.decode()
    assert 'class="navbadge" aria-label="1 条未读">1<' in home
    page = c.get("/cases/notifications/").content.decode()
    assert "已收到您的诉求" in page and "新</span>" in page
    assert not Notification.objects.filter(user=cw.world.accounts.resident, read_at__isnull=True).exists()
    assert "navbadge" not in c.get("/cases/mine/").content.decode()
    worker = client_for(cw.world.accounts.community_worker).get("/cases/").content.decode()
    assert "消息" not in worker.split("</nav>")[0]


def test_resident_reads_the_state_in_plain_words(cw: CasesWorld, client_for) -> None:
    lat, lon = grid_center(0)
    case = services.case_create(
        by=cw.world.accounts.resident,
        category="water.help",
        description="停水了",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
    )
    services.case_accept(case=case, by=cw.world.accounts.community_worker)
    services.case_dispatch(case=case, by=cw.world.accounts.community_worker, organisation=cw.chengguan)
    services.case_return(case=case, by=cw.dept_user, reason="不属本局职责")
    c = client_for(cw.world.accounts.resident)
    for path in (f"/cases/{case.number}/", "/cases/mine/"):
        body = c.get(path).content.decode()
        assert "已受理" in body and "退单" not in body and "不属本局职责" not in body
    staff = client_for(cw.world.accounts.community_worker).get(f"/cases/{case.number}/").content.decode()
    assert 'id="status">已退单<' in staff
