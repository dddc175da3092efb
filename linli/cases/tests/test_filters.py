"""The request list and the heat map filter by place (a choice of the account's subtree, by name) and
by topic (事项), through the same form and ``filter_cases``."""

from __future__ import annotations

from linli.cases import selectors, services
from linli.cases.models import Channel

from .conftest import CasesWorld, grid_center


def _report(cw: CasesWorld, grid: int, category: str, text: str):
    lat, lon = grid_center(grid)
    return services.case_create(
        by=cw.world.accounts.district_admin,
        category=category,
        description=text,
        channel=Channel.HOTLINE,
        lat=lat,
        lon=lon,
        reporter_phone="13905951234",
    )


def test_list_and_map_filter_by_place_and_topic(cw: CasesWorld, client_for) -> None:
    t, a = cw.world.tree, cw.world.accounts
    in_a = _report(cw, 0, "sanitation.complaint", "垃圾桶满了")
    in_b = _report(cw, 2, "sanitation.complaint", "桥南垃圾桶满了")
    other_topic = _report(cw, 0, "property.help", "电梯停运")
    assert (in_a.region, in_b.region, other_topic.region) == (t.community_a, t.community_b, t.community_a)

    places = selectors.filter_regions(a.district_admin)
    assert places[0] == (t.district.code, t.district.name)
    assert (t.community_a.code, "\u3000\u3000" + t.community_a.name) in places  # indented under its street
    assert selectors.filter_regions(a.community_worker) == []  # one community: nothing to choose
    assert [c for c, _ in selectors.filter_regions(a.street_coordinator)][0] == t.street.code

    page = client_for(a.district_admin)
    html = page.get("/cases/?queue=all").content.decode()
    assert f'<option value="{t.community_a.code}"' in html and t.community_a.name in html
    assert 'name="region" value=' not in html  # no raw code box
    assert '<option value="环境卫生"' in html

    body = page.get(f"/cases/?queue=all&region={t.community_a.code}&subject=环境卫生").content.decode()
    assert in_a.number in body and in_b.number not in body and other_topic.number not in body
    assert "共 1 件" in body

    heat = page.get(f"/cases/map/?region={t.community_a.code}&subject=环境卫生")
    assert [p[2] for p in heat.context["points_json"]] == [in_a.number]
    assert f'<option value="{t.community_a.code}" selected' in heat.content.decode()


def test_the_api_filters_by_topic_as_the_pages_do(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    sanitation = _report(cw, 0, "sanitation.complaint", "垃圾桶满了")
    lift = _report(cw, 0, "property.help", "电梯停运")
    api = client_for(a.district_admin)
    numbers = [c["number"] for c in api.get("/api/cases/?subject=环境卫生").json()["items"]]
    assert sanitation.number in numbers and lift.number not in numbers


def test_a_search_word_of_one_character_is_left_out_and_said_so(cw: CasesWorld, client_for) -> None:
    """One character has no index to read (every open request of a city would be read for it): the list
    says so and shows the requests without it; two characters search."""
    a = cw.world.accounts
    bins = _report(cw, 0, "sanitation.complaint", "垃圾桶满了")
    lift = _report(cw, 0, "property.help", "电梯停运")
    page = client_for(a.district_admin)
    one = page.get("/cases/?queue=all&q=梯").content.decode()
    assert "搜索词请至少输入两个字，已忽略" in one and bins.number in one and lift.number in one
    two = page.get("/cases/?queue=all&q=电梯").content.decode()
    assert "至少输入两个字" not in two and lift.number in two and bins.number not in two
    # the API refuses one character, naming the field (it leaves no filter out unsaid); two search
    refused = page.get("/api/cases/?queue=all&q=梯")
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["q"]
    found = page.get("/api/cases/?queue=all&q=电梯").json()["items"]
    assert [c["number"] for c in found] == [lift.number]
