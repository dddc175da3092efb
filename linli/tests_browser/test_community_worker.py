"""A community worker of community A (万福社区) at a desktop browser: the pages of a working day.

Community A holds the household of three in grid A1 (林建国, 陈秀英, 林晓东) and 黄美玲 in grid A2;
郑志强 lives in community B and 苏阿婆 in community C (see ``linli.testing.factories``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from linli.core.engine import idnumber
from linli.core.models import AuditAction, AuditLog, ImportRun
from linli.registry.models import Person, PersonTag, TagKind
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

A_NAMES = ["林建国", "陈秀英", "林晓东", "黄美玲"]


def test_home_region_tree_and_region_detail(world: World, signed_in) -> None:
    v = signed_in("community_worker")
    page, a = v.page, world.tree.community_a

    expect(page.locator("h1")).to_have_text("社区工作者工作台 · 万福社区居委会")
    stats = page.locator(".stat")
    expect(stats.filter(has_text="在册人口").locator("b")).to_have_text("4")
    expect(stats.filter(has_text="户数").locator("b")).to_have_text("1")
    expect(stats.filter(has_text="60周岁以上").locator("b")).to_have_text("2")  # 林建国 1958, 陈秀英 1960

    # The tree starts at the account's community; its children are grids, the last level (nothing to expand).
    v.go("/regions/", "regions")
    tree = page.locator("#region-tree")
    expect(tree.locator("tr.root")).to_contain_text("万福社区居委会")
    a1 = tree.locator(f"#r{world.tree.grid_a1.code}")
    expect(a1.locator("td.n")).to_have_text(
        ["3", "1", "1", "1"]
    )  # population, households, buildings, grids (itself)
    expect(tree.locator(f"#r{world.tree.grid_a2.code} td.n").first).to_have_text("1")
    expect(tree.locator("button.toggle")).to_have_count(0)
    expect(tree).not_to_contain_text("桥南社区")

    v.go(f"/regions/{a.code}/", "region-detail")
    expect(page.locator("h1")).to_contain_text("万福社区居委会")
    expect(page.locator("#chart canvas")).to_have_count(1)  # ECharts drew the bar chart of the two grids
    expect(page.locator("#map")).to_have_attribute("data-loaded", "1")  # the building of grid A1
    marker = page.locator("#map .leaflet-interactive")
    expect(marker).to_have_count(1)
    expect(marker).to_be_visible()
    box, frame = marker.bounding_box(), page.locator("#map").bounding_box()
    assert box and frame and frame["x"] < box["x"] < frame["x"] + frame["width"], (box, frame)
    assert frame["y"] < box["y"] < frame["y"] + frame["height"], (box, frame)
    page.locator("#map").screenshot(path=str(v.folder / "community_worker-region-map.png"))


def test_persons_list_search_filter_and_masked_export(world: World, signed_in) -> None:
    v = signed_in("community_worker")
    page = v.page
    v.go("/registry/persons/", "persons")
    rows = page.locator("#person-rows")
    expect(rows).to_contain_text("共 4 人")
    for name in A_NAMES:
        expect(rows.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(rows).not_to_contain_text("郑志强")
    expect(rows).not_to_contain_text("苏阿婆")
    expect(rows.locator("td.masked").first).to_contain_text("**********")

    page.fill("input[name=q]", "林")
    page.get_by_role("button", name="查询").click()
    expect(rows).to_contain_text("共 2 人")
    expect(rows).not_to_contain_text("陈秀英")
    expect(rows.get_by_role("link", name="林建国")).to_be_visible()
    expect(rows.get_by_role("link", name="林晓东")).to_be_visible()
    v.shot("persons-search")

    page.fill("input[name=q]", "")
    page.select_option(
        "select[name=tag]", label="60周岁以上老年人"
    )  # a change of any select reloads the rows
    expect(rows).to_contain_text("共 2 人")
    expect(rows.get_by_role("link", name="陈秀英")).to_be_visible()
    expect(rows).not_to_contain_text("林晓东")
    expect(rows).not_to_contain_text("黄美玲")
    assert "tag=elderly_60" in page.url
    v.shot("persons-elderly")

    # The masked export follows the list's filters and never carries a full number.
    with page.expect_download() as download:
        rows.get_by_role("button", name="CSV（脱敏）").click()
    assert download.value.suggested_filename == "人员-脱敏.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "林建国" in text and "陈秀英" in text
    assert "黄美玲" not in text and "郑志强" not in text
    assert "**********" in text
    for p in world.people.all():
        assert p.id_number.reveal() not in text
        assert p.phone.reveal() not in text
    assert (
        AuditLog.objects.filter(action=AuditAction.EXPORT, actor=world.accounts.community_worker).count() == 1
    )


def test_person_detail_reveal_and_out_of_scope(world: World, signed_in) -> None:
    head, in_b = world.people.head, world.people.in_b
    full = head.id_number.reveal()
    v = signed_in("community_worker")
    page = v.page
    v.go(f"/registry/persons/{head.pk}/", "person")
    expect(page.locator("h1")).to_contain_text("林建国")
    id_cell = page.locator("dl.kv dd").first
    expect(id_cell.locator(".masked")).to_contain_text("**********")
    expect(page.locator("body")).not_to_contain_text(full)
    expect(page.locator(".card").filter(has_text="同户成员")).to_contain_text("陈秀英")

    id_cell.locator("summary", has_text="查看完整").click()  # the reason form opens only on request
    form = id_cell.locator("form.reveal-box")
    form.locator("input[name=reason]").fill("核实高龄补贴申请")
    form.get_by_role("button", name="确认查看").click()
    expect(id_cell.locator("b.masked")).to_have_text(full)
    expect(id_cell).to_contain_text("已记录审计日志")
    v.shot("person-revealed")
    log = AuditLog.objects.get(action=AuditAction.REVEAL)
    assert (log.actor_id, log.field, log.reason, log.subject_label) == (
        world.accounts.community_worker.pk,
        "id_number",
        "核实高龄补贴申请",
        "林建国",
    )

    v.go(f"/registry/persons/{in_b.pk}/", "person-other-community", status=404)
    expect(page.locator("body")).not_to_contain_text("郑志强")


def test_edit_person_and_add_tag(world: World, signed_in) -> None:
    head = world.people.head
    v = signed_in("community_worker")
    page = v.page
    v.go(f"/registry/persons/{head.pk}/edit/", "person-edit")
    expect(page.locator("#id_name")).to_have_value("林建国")
    page.fill("#id_phone", "13912345678")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/registry/persons/{head.pk}/")
    expect(page.locator(".messages")).to_contain_text("已保存 林建国 的信息")
    phone = page.locator("dl.kv dd").nth(1)
    expect(phone.locator(".masked")).to_have_text("139****5678")
    v.shot("person-saved")
    head.refresh_from_db()
    assert head.phone.reveal() == "13912345678"

    tag_form = page.locator("form").filter(has=page.get_by_role("button", name="添加标签"))
    tag_form.locator("select[name=kind]").select_option(label="独居")
    tag_form.locator("input[name=valid_from]").fill("2025-03-01")
    tag_form.get_by_role("button", name="添加标签").click()
    expect(page.locator(".messages")).to_contain_text("已添加标签")
    expect(page.locator("h1 .tag")).to_contain_text(["独居"])
    expect(page.locator(".card").filter(has_text="标签（含有效期）").locator("tbody")).to_contain_text(
        "2025-03-01"
    )
    v.shot("person-tagged")
    assert PersonTag.objects.filter(
        person=head, kind=TagKind.LIVING_ALONE, valid_from=dt.date(2025, 3, 1)
    ).exists()


def test_register_person_with_bad_id_checksum(world: World, signed_in) -> None:
    good = idnumber.make("350504", dt.date(1991, 4, 5), 321, "F")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = Person.objects.count()
    v = signed_in("community_worker")
    page = v.page
    v.go("/registry/persons/new/", "person-new")
    page.fill("#id_name", "王丽华")
    page.fill("#id_id_number", bad)
    page.fill("#id_region_code", world.tree.grid_a1.code)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".errorlist")).to_contain_text("公民身份号码：身份证号校验位不符")
    expect(page.locator("h1")).to_have_text("登记人员")
    v.shot("person-new-error")
    assert Person.objects.count() == before
    assert not Person.objects.filter(name="王丽华").exists()


def _csv(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    lines = ["姓名,公民身份号码,联系电话,所属网格编码", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_persons_from_csv(world: World, signed_in, tmp_path: Path) -> None:
    grid = world.tree.grid_a2.code
    ids = [idnumber.make("350504", dt.date(1990 + i, 6, 1 + i), 400 + i, "M") for i in range(2)]
    broken = ids[1][:-1] + ("0" if ids[1][-1] != "0" else "1")
    v = signed_in("community_worker")
    page = v.page
    v.go("/registry/import/", "import")
    expect(page.get_by_role("link", name="Excel 模板")).to_have_attribute(
        "href", "/registry/import/template/persons.xlsx"
    )
    expect(page.get_by_role("link", name="CSV 模板")).to_have_attribute(
        "href", "/registry/import/template/persons.csv"
    )

    # One bad row rejects the whole file, and the table names its row (the header is row 1).
    page.set_input_files(
        "input[name=file]",
        _csv(
            tmp_path,
            "有错.csv",
            [["周海涛", ids[0], "13700000001", grid], ["吴丽娟", broken, "13700000002", grid]],
        ),
    )
    page.get_by_role("button", name="预检（不写入）").click()
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("未导入")
    refused = outcome.locator("tbody tr", has_text="拒绝")
    expect(refused).to_have_count(1)
    expect(refused.locator("td")).to_have_text(
        [
            "第 3 行",
            "拒绝",
            broken[:4] + "**********" + broken[-4:],
            "吴丽娟",
            "公民身份号码：身份证号校验位不符",
        ]
    )
    expect(outcome.get_by_role("button", name="确认导入")).to_have_count(0)
    v.shot("import-rejected")
    assert not Person.objects.filter(name__in=["周海涛", "吴丽娟"]).exists()

    # A good file: the dry run lists its rows; 确认导入 imports the same file without choosing it again.
    good = _csv(
        tmp_path,
        "人员.csv",
        [["周海涛", ids[0], "13700000001", grid], ["吴丽娟", ids[1], "13700000002", grid]],
    )
    page.set_input_files("input[name=file]", good)
    page.get_by_role("button", name="预检（不写入）").click()
    expect(outcome).to_contain_text("预检通过，尚未写入：共 2 行。新增 2 条")
    expect(outcome.locator("tbody tr td:nth-child(2)")).to_have_text(["新增", "新增"])
    expect(outcome.locator("tbody tr td:nth-child(4)")).to_have_text(["周海涛", "吴丽娟"])
    v.shot("import-checked")
    assert not Person.objects.filter(name__in=["周海涛", "吴丽娟"]).exists()

    outcome.get_by_role("button", name="确认导入").click()
    expect(outcome).to_contain_text("导入完成：新增 2 条")
    v.shot("import-done")
    imported = Person.objects.filter(name__in=["周海涛", "吴丽娟"]).order_by("name")
    assert {(p.name, p.id_number.reveal(), p.region.code) for p in imported} == {
        ("周海涛", ids[0], grid),
        ("吴丽娟", ids[1], grid),
    }
    runs = ImportRun.objects.order_by("pk")
    assert [(r.dry_run, r.status) for r in runs] == [(True, "rejected"), (True, "checked"), (False, "done")]
    assert runs[2].source_id == runs[1].pk and runs[2].stored_file == ""


def test_community_b_worker_sees_nothing_of_community_a(world: World, signed_in) -> None:
    v = signed_in("community_worker_b")
    page = v.page
    v.go("/registry/persons/", "persons")
    rows = page.locator("#person-rows")
    expect(rows).to_contain_text("共 1 人")
    expect(rows.get_by_role("link", name="郑志强")).to_be_visible()
    for name in A_NAMES:
        expect(rows).not_to_contain_text(name)

    page.fill("input[name=q]", "林建国")
    page.get_by_role("button", name="查询").click()
    expect(rows).to_contain_text("没有符合条件的人员")
    expect(rows).to_contain_text("共 0 人")
    v.shot("persons-search-a")
