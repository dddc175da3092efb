"""Imports as an office works: an Excel round trip in update mode (新增并更新), the dry run's rows, the
file kept between dry run and import, background runs with progress, the template and error file."""

from __future__ import annotations

import datetime as dt
import io
import urllib.parse

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from linli.core.engine import idnumber
from linli.core.imports import import_file_open, import_progress, import_progress_read
from linli.core.models import AuditAction, AuditLog, ImportRun
from linli.registry.models import Person, PersonTag, TagKind
from linli.registry.services import PERSON_COLUMNS, import_receive, person_tag_add


def _xlsx(ws_rows: list[list[object]], name: str = "人员.xlsx") -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    for row in ws_rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = name
    return buf


def _exported(client) -> Workbook:
    r = client.post(
        reverse("registry:export", args=["persons"]), {"format": "xlsx", "full": "1", "reason": "年度核对"}
    )
    assert r.status_code == 200
    return load_workbook(io.BytesIO(r.content))


def test_round_trip_update_shows_exactly_the_changes_and_applies_them(
    world, client_for, django_capture_on_commit_callbacks
):
    head = world.people.head
    user = world.accounts.community_worker
    person_tag_add(by=user, person=head, kind=TagKind.LIVING_ALONE, valid_from=dt.date(2024, 1, 1))
    c = client_for(user)
    wb = _exported(c)
    ws = wb.worksheets[0]
    header = [cell.value for cell in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    # Excel shows the ID number and the phone as text, not as 3.5E+17.
    assert ws.cell(row=2, column=col["公民身份号码"] + 1).number_format == "@"
    head_row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == head.name)
    head_row[col["联系电话"]].value = "13912345678"
    assert head_row[col["标签"]].value == "独居"  # the export writes the tags the import reads back
    head_row[col["标签"]].value += "、低保"
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "人员-完整.xlsx"

    page = c.post(
        reverse("registry:import"),
        {"kind": "persons", "file": buf, "dry_run": "1", "mode": "update"},
        follow=True,
    ).content.decode()
    dry = ImportRun.objects.get(dry_run=True)
    assert dry.status == ImportRun.Status.CHECKED and dry.confirmable
    rows = dry.summary["rows_listed"]
    changed = [r for r in rows if r["outcome"] == "changed"]
    assert [r["label"] for r in changed] == [head.name]
    assert changed[0]["changes"] == [
        ["联系电话", "138****1234", "139****5678"],
        ["标签", "独居", "独居、低保"],
    ]
    assert {r["outcome"] for r in rows if r["label"] != head.name} == {"unchanged"}
    assert dry.summary["counts"] == {"created": 0, "changed": 1, "unchanged": 3, "refused": 0}
    assert "确认导入" in page and "139****5678" in page and "13912345678" not in page
    assert Person.objects.get(pk=head.pk).phone.reveal() == "13859001234"  # nothing written yet

    with django_capture_on_commit_callbacks(execute=True):
        done_page = c.post(reverse("registry:import_confirm", args=[dry.pk]), follow=True).content.decode()
    run = ImportRun.objects.get(dry_run=False)
    assert (run.status, run.created, run.changed, run.source_id) == (ImportRun.Status.DONE, 0, 1, dry.pk)
    assert "导入完成" in done_page
    head.refresh_from_db()
    assert head.phone.reveal() == "13912345678"
    assert set(
        PersonTag.objects.valid_on(dt.date.today()).filter(person=head).values_list("kind", flat=True)
    ) == {
        TagKind.LIVING_ALONE,
        TagKind.DIBAO,
    }
    audit = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert audit.detail["created"] == 0 and audit.detail["changed"] == 1
    assert audit.detail["records"] == {f"persons:{head.pk}": ["联系电话", "标签"]}
    assert AuditLog.objects.filter(
        action=AuditAction.UPDATE, subject_id=str(head.pk), detail__fields=["phone"]
    ).exists()
    # The file went with the import; the dry run cannot be confirmed a second time.
    assert import_file_open(run) is None
    again = c.post(reverse("registry:import_confirm", args=[dry.pk]), follow=True).content.decode()
    assert "不能再确认导入" in again
    assert ImportRun.objects.filter(dry_run=False).count() == 1


def test_refused_rows_stop_the_whole_update_and_out_of_scope_reads_as_taken(world, client_for):
    user = world.accounts.community_worker  # community A: the person in B is not theirs
    header = [c.header for c in PERSON_COLUMNS]
    keys = [c.key for c in PERSON_COLUMNS]
    other = world.people.in_b
    mine = world.people.in_a2

    def row(**values: str) -> list[object]:
        return [values.get(k, "") for k in keys]

    f = _xlsx(
        [
            header,
            row(name="改名", id_number=mine.id_number.reveal(), region_code=mine.region.code),
            row(name=other.name, id_number=other.id_number.reveal(), region_code=world.tree.grid_a1.code),
            row(
                name="新人",
                sex="女",
                birth_date="1990-02-03",
                region_code=world.tree.grid_a1.code,
                tags="火星人",
            ),
        ]
    )
    run = import_receive(kind="persons", mode="update", upload=f, filename="p.xlsx", by=user, dry_run=False)
    assert run.status == ImportRun.Status.REJECTED
    by_row = {r["row"]: r for r in run.summary["rows_listed"]}
    assert by_row[2]["outcome"] == "changed"  # fine itself, but not written: another row is refused
    assert by_row[3]["outcome"] == "refused" and "已登记" in by_row[3]["reasons"][0]
    assert other.name not in str(by_row[3]["reasons"])  # nothing of the other record shows
    assert by_row[4]["outcome"] == "refused" and "火星人" in by_row[4]["reasons"][0]
    mine.refresh_from_db()
    assert mine.name != "改名" and not Person.objects.filter(name="新人").exists()
    # Errors are listed by row, then column.
    assert [e["row"] for e in run.errors] == sorted(e["row"] for e in run.errors)


def test_household_update_by_code(world, client_for):
    user = world.accounts.community_worker
    h = world.people.household
    f = _xlsx(
        [
            ["户编号", "所属网格编码", "楼栋编码", "单元", "房号", "地址"],
            [h.code, h.region.code, h.building.code, "1单元", "102", "阳光花园1号楼1单元102"],
            ["350504001001001H00009", h.region.code, "", "", "", "新户地址"],
        ],
        "户.xlsx",
    )
    dry = import_receive(kind="households", mode="update", upload=f, filename="户.xlsx", by=user)
    outcomes = {r["key"]: r for r in dry.summary["rows_listed"]}
    assert outcomes[h.code]["outcome"] == "changed"
    assert ["房号", "101", "102"] in outcomes[h.code]["changes"]
    assert outcomes["350504001001001H00009"]["outcome"] == "created"
    from linli.registry.services import import_commit

    done = import_commit(run=dry, by=user)
    assert (done.status, done.created, done.changed) == (ImportRun.Status.DONE, 1, 1)
    h.refresh_from_db()
    assert h.room == "102"


def test_large_import_runs_in_the_background_with_progress(
    world, client_for, settings, django_capture_on_commit_callbacks
):
    settings.LINLI_IMPORT_BACKGROUND_ROWS = 2
    user = world.accounts.community_worker
    header = [c.header for c in PERSON_COLUMNS]
    rows = [header] + [
        [f"居民{i}", "", "男", "1980-01-0" + str(i), "", "", "", "", "", world.tree.grid_a1.code, "", ""]
        for i in range(1, 6)
    ]
    c = client_for(user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        c.post(
            reverse("registry:import"),
            {"kind": "persons", "file": _xlsx(rows), "dry_run": "1", "mode": "update"},
        )
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.QUEUED and run.rows == 5
    poll = c.get(reverse("registry:import_progress", args=[run.pk])).content.decode()
    assert "排队中" in poll and "hx-trigger" in poll
    import_progress(run, 3)  # what the task writes as it goes
    run.status = ImportRun.Status.RUNNING
    assert import_progress_read(run) == 3
    for callback in callbacks:
        callback()  # the immediate backend runs the task here
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CHECKED and run.rows_done == 5
    assert run.summary["counts"]["created"] == 5
    poll = c.get(reverse("registry:import_progress", args=[run.pk])).content.decode()
    assert "预检通过" in poll and "hx-trigger" not in poll
    # Only the account that uploaded it sees the run's rows.
    assert (
        client_for(world.accounts.community_worker_b)
        .get(reverse("registry:import_progress", args=[run.pk]))
        .status_code
        == 404
    )


def test_template_sample_validates_and_codes_are_text(world, client_for):
    c = client_for(world.accounts.community_worker)
    r = c.get(reverse("registry:import_template", args=["persons", "xlsx"]))
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    header = [cell.value for cell in ws[1]]
    sample = {h.rstrip("*"): cell for h, cell in zip(header, ws[2], strict=False)}
    idnumber.parse(sample["公民身份号码"].value)  # the check digit is right
    for h in ("公民身份号码", "联系电话", "户编号", "所属网格编码"):
        assert sample[h].number_format == "@", h
    assert ws.column_dimensions["B"].number_format == "@"  # a number typed into a new row stays text
    f = _xlsx([[h for h in header], [cell.value for cell in ws[2]]], "模板.xlsx")
    run = import_receive(
        kind="persons", mode="update", upload=f, filename="模板.xlsx", by=world.accounts.community_worker
    )
    assert not any("公民身份号码" in e["column"] or "联系电话" in e["column"] for e in run.errors), run.errors


def test_error_file_is_named_after_the_upload(world, client_for):
    c = client_for(world.accounts.community_worker)
    f = _xlsx([["姓名", "所属网格编码"], ["王", "1"], ["", "1"]], "三月名单.xlsx")
    c.post(reverse("registry:import"), {"kind": "persons", "file": f, "dry_run": "1"})
    run = ImportRun.objects.get()
    r = c.get(reverse("registry:import_errors", args=[run.pk]))
    assert urllib.parse.quote("三月名单-错误.xlsx") in r["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(r.content)).worksheets[0].iter_rows(min_row=2, values_only=True))
    # By row, then by column in the template's order (姓名 before 所属网格编码), whatever order found them.
    order = [c.header for c in PERSON_COLUMNS]
    found = [(row[0], order.index(row[1]) if row[1] in order else -1) for row in rows]
    assert found == sorted(found) and {row[0] for row in rows} == {2, 3}
    assert next(row for row in rows if row[0] == 3)[1] == "姓名"


@pytest.mark.django_db
def test_api_dry_run_then_commit(world, token_client_for):
    client = token_client_for(world.accounts.community_worker)
    mine = world.people.in_a2
    header = [c.header for c in PERSON_COLUMNS]
    keys = [c.key for c in PERSON_COLUMNS]
    values = {
        "name": mine.name,
        "id_number": mine.id_number.reveal(),
        "region_code": mine.region.code,
        "note": "已走访",
    }
    f = _xlsx([header, [values.get(k, "") for k in keys]])
    dry = client.post("/api/imports/persons", {"file": f, "dry_run": "true", "mode": "update"})
    assert dry.status_code == 201, dry.content
    body = dry.json()
    assert body["confirmable"] and body["summary"]["counts"]["changed"] == 1
    done = client.post(f"/api/imports/{body['id']}/commit")
    assert done.status_code == 201, done.content
    assert done.json()["status"] == "done" and done.json()["source_id"] == body["id"]
    mine.refresh_from_db()
    assert mine.note == "已走访"
    again = client.post(f"/api/imports/{body['id']}/commit")
    assert again.status_code == 422 and again.json()["code"] == "import.not_confirmable"


def test_kept_files_are_private_and_go_after_a_day(world, settings):
    from django.utils import timezone

    from linli.core.imports import import_files_purge
    from linli.registry.services import import_run_task

    user = world.accounts.community_worker
    f = _xlsx(
        [
            [c.header for c in PERSON_COLUMNS],
            ["甲", "", "男", "1980-01-01"] + [""] * 5 + [world.tree.grid_a1.code],
        ]
    )
    run = import_receive(kind="persons", mode="update", upload=f, filename="甲.xlsx", by=user)
    assert run.confirmable
    path = settings.VAR_DIR / "private" / "imports" / run.stored_file
    assert path.is_file() and not str(path).startswith(str(settings.MEDIA_ROOT))
    assert import_files_purge() == 0  # still fresh
    assert import_files_purge(now=timezone.now() + dt.timedelta(days=1, minutes=1)) == 1
    run.refresh_from_db()
    assert not path.exists() and not run.confirmable
    # A task run twice (a retry) finds the run no longer queued and leaves it alone.
    assert import_run_task.call(run.pk) == "skipped"


def test_building_update_by_code_changes_only_the_columns_in_the_file(world):
    from linli.registry.services import import_commit

    user = world.accounts.community_worker
    b = world.people.household.building
    kind_before, address_before = b.kind, b.address
    f = _xlsx(
        [["楼栋编码", "名称", "所属网格编码", "层数"], [b.code, "阳光花园一号楼", b.region.code, "12"]],
        "楼栋.xlsx",
    )
    dry = import_receive(kind="buildings", mode="update", upload=f, filename="楼栋.xlsx", by=user)
    [row] = dry.summary["rows_listed"]
    assert row["outcome"] == "changed"
    done = import_commit(run=dry, by=user)
    assert (done.status, done.created, done.changed) == (ImportRun.Status.DONE, 0, 1)
    b.refresh_from_db()
    assert (b.name, b.floors, b.kind, b.address) == ("阳光花园一号楼", 12, kind_before, address_before)
    assert AuditLog.objects.filter(action=AuditAction.UPDATE, subject_id=str(b.pk)).exists()
