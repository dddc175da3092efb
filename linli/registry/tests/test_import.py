"""Imports: templates, validation with row/column errors, dry run, all-or-nothing, scope."""

import datetime as dt
import io

import pytest
from django.db import connection
from openpyxl import Workbook

from linli.core.engine.idnumber import make
from linli.core.models import AuditLog, ImportRun
from linli.core.scope import OutOfScope
from linli.registry.models import Building, Household, Person
from linli.registry.services import buildings_import, households_import, persons_import

HEAD = "姓名,公民身份号码,联系电话,户编号,与户主关系,所属网格编码\n"


def ids(n, start=0):
    return [make("350504", dt.date(1970, 1, 1) + dt.timedelta(days=start + i), i, "F") for i in range(n)]


def csv_file(text: str, encoding="utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


@pytest.mark.django_db
def test_good_file_imports_with_encrypted_values(world):
    grid = world.tree.grid_a1.code
    body = HEAD + "".join(f"居民{i},{x},1390000000{i},,户主,{grid}\n" for i, x in enumerate(ids(3)))
    out = persons_import(raw=csv_file(body), filename="p.csv", by=world.accounts.community_worker)
    assert out.run.status == ImportRun.Status.DONE and out.run.created == 3
    p = Person.objects.get(name="居民1")
    assert p.region == world.tree.grid_a1 and p.sex == "F" and p.birth_date == dt.date(1970, 1, 2)
    assert str(p.id_number).count("*") == 10 and p.phone.reveal() == "13900000001"
    with connection.cursor() as cur:  # what is at rest: a token, not the number
        cur.execute("SELECT id_number, phone FROM registry_person WHERE id = %s", [p.pk])
        stored_id, stored_phone = cur.fetchone()
    assert stored_id.startswith("dev1$") and p.id_number.reveal() not in stored_id
    assert "13900000001" not in stored_phone
    assert AuditLog.objects.filter(action="import", row_count=3).exists()


@pytest.mark.django_db
def test_any_bad_row_rejects_the_whole_file_and_names_row_and_column(world):
    grid = world.tree.grid_a1.code
    good = ids(3)
    bad_check = good[2][:17] + ("0" if good[2][17] != "0" else "1")
    body = (
        HEAD
        + (
            f"甲,{good[0]},,,户主,{grid}\n"
            f"乙,{good[0]},,,配偶,{grid}\n"  # duplicate inside the file
            f"丙,{bad_check},,,子女,{grid}\n"  # checksum
            f"丁,{good[1]},123,,邻居,{grid}\n"  # phone, relation
            f"戊,{good[1][:-1]},,H-NOPE,,\n"
        )
    )  # short ID, unknown household
    out = persons_import(raw=csv_file(body), filename="p.csv", by=world.accounts.community_worker)
    assert out.run.status == ImportRun.Status.REJECTED and out.run.created == 0
    got = {(e.row, e.column) for e in out.report.errors}
    assert {
        (3, "公民身份号码"),
        (4, "公民身份号码"),
        (5, "联系电话"),
        (5, "与户主关系"),
        (6, "公民身份号码"),
        (6, "户编号"),
    } <= got
    assert Person.objects.filter(name__in=["甲", "乙", "丙", "丁", "戊"]).count() == 0
    # The stored report never holds a full ID number.
    assert all(good[0] not in e["value"] for e in ImportRun.objects.get().errors)


@pytest.mark.django_db
def test_duplicates_against_the_database_and_dry_run(world):
    grid = world.tree.grid_a1.code
    existing = world.people.head.id_number.reveal()
    body = HEAD + f"重复,{existing},,,,{grid}\n"
    out = persons_import(raw=csv_file(body), filename="p.csv", by=world.accounts.community_worker)
    assert [e.message for e in out.report.errors] == ["该身份证号已登记"]
    body = HEAD + "".join(f"新{i},{x},,,,{grid}\n" for i, x in enumerate(ids(2, 500)))
    out = persons_import(
        raw=csv_file(body), filename="p.csv", by=world.accounts.community_worker, dry_run=True
    )
    assert out.run.status == ImportRun.Status.CHECKED and out.run.summary["would_create"] == 2
    assert out.by_region == {grid: 2} and not Person.objects.filter(name__startswith="新").exists()


@pytest.mark.django_db
def test_rows_outside_the_scope_are_errors(world):
    body = HEAD + f"外人,{ids(1)[0]},,,,{world.tree.grid_b1.code}\n"
    out = persons_import(raw=csv_file(body), filename="p.csv", by=world.accounts.community_worker)
    assert out.report.errors[0].column == "所属网格编码" and "范围" in out.report.errors[0].message
    with pytest.raises(OutOfScope):
        persons_import(raw=csv_file(body), filename="p.csv", by=world.accounts.street_coordinator)


@pytest.mark.django_db
def test_gbk_csv_and_xlsx_with_household_codes(world):
    hh = world.people.household.code
    body = HEAD + f"新成员,{ids(1, 900)[0]},,{hh},孙子女,\n"
    out = persons_import(raw=csv_file(body, "gb18030"), filename="p.csv", by=world.accounts.community_worker)
    assert out.run.status == "done" and Person.objects.get(name="新成员").household == world.people.household
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "性别", "出生日期", "所属网格编码"])
    ws.append(["无证儿童", "男", dt.datetime(2020, 6, 1), world.tree.grid_a2.code])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out = persons_import(raw=buf, filename="p.xlsx", by=world.accounts.community_worker)
    assert out.run.status == "done", out.report.as_dicts()
    assert Person.objects.get(name="无证儿童").birth_date == dt.date(2020, 6, 1)


@pytest.mark.django_db
def test_empty_and_malformed_files(world):
    out = persons_import(raw=csv_file("姓名\n"), filename="p.csv", by=world.accounts.community_worker)
    assert "没有数据行" in out.report.errors[0].message
    out = persons_import(raw=csv_file("名字\n张三\n"), filename="p.csv", by=world.accounts.community_worker)
    assert "缺少必填列" in out.report.errors[0].message


@pytest.mark.django_db
def test_buildings_then_households_import(world):
    grid = world.tree.grid_a2.code
    b = (
        "楼栋编码,名称,类型,所属网格编码,所属小区编码,纬度,经度\n"
        f"E1,幸福小区,小区,{grid},,24.95,118.66\nE1-1,幸福小区1号楼,楼栋,{grid},E1,24.951,118.661\n"
    )
    out = buildings_import(raw=csv_file(b), filename="b.csv", by=world.accounts.community_worker)
    assert out.run.status == "done", out.report.as_dicts()
    assert Building.objects.get(code="E1-1").parent.code == "E1"
    h = f"户编号,所属网格编码,楼栋编码,单元,房号\nHX1,{grid},E1-1,1单元,302\nHX1,{grid},E1-1,1单元,303\n"
    out = households_import(raw=csv_file(h), filename="h.csv", by=world.accounts.community_worker)
    assert out.report.errors[0].row == 3 and "重复" in out.report.errors[0].message
    out = households_import(
        raw=csv_file(h.rsplit("HX1", 1)[0]), filename="h.csv", by=world.accounts.community_worker
    )
    assert out.run.status == "done" and Household.objects.get(code="HX1").address.endswith("1单元302")


@pytest.mark.django_db(transaction=True)
def test_import_that_owns_its_transaction(world):
    """Committed data, as in production: on PostgreSQL this is the streaming (one COPY) path."""
    grid = world.tree.grid_a1.code
    existing = world.people.head.id_number.reveal()
    fresh = ids(3, 2000)
    body = HEAD + "".join(f"流{i},{x},,{world.people.household.code},子女,\n" for i, x in enumerate(fresh))
    out = persons_import(
        raw=csv_file(body), filename="p.csv", by=world.accounts.community_worker, batch_size=2
    )
    assert out.run.status == "done" and Person.objects.filter(name__startswith="流").count() == 3
    assert set(Person.objects.filter(name__startswith="流").values_list("household_id", flat=True)) == {
        world.people.household.pk
    }
    body = HEAD + f"重,{existing},,,,{grid}\n" + f"新,{ids(1, 3000)[0]},,,,{grid}\n"
    out = persons_import(
        raw=csv_file(body), filename="p.csv", by=world.accounts.community_worker, batch_size=1
    )
    assert [(e.row, e.message) for e in out.report.errors] == [(2, "该身份证号已登记")]
    assert not Person.objects.filter(name="新").exists()


@pytest.mark.django_db
def test_import_command_reports_and_refuses_whole_file(world, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    grid = world.tree.grid_a1.code
    good = tmp_path / "good.csv"
    good.write_text(HEAD + f"命令导入,{ids(1, 4000)[0]},,,,{grid}\n", encoding="utf-8")
    call_command("registry_import", "persons", str(good), "--as", "community_worker", "--dry-run")
    assert (
        "预检通过，将新增 1 条" in capsys.readouterr().out
        and not Person.objects.filter(name="命令导入").exists()
    )
    call_command("registry_import", "persons", str(good), "--as", "community_worker")
    assert Person.objects.filter(name="命令导入").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEAD + f"坏,123,,,,{grid}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未导入"):
        call_command("registry_import", "persons", str(bad), "--as", "community_worker")
    assert "第 2 行 公民身份号码" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_number_twice_in_the_file_names_its_first_row_across_batches(world):
    """Batches of two rows (2–3, 4–5, 6–7, 8): rows 5 and 8 repeat rows of earlier batches, row 7 the
    row before it in its own batch."""
    grid = world.tree.grid_a1.code
    a, b, c = ids(3, start=400)
    d = make("350504", dt.date(1990, 1, 1), 1, "M")
    numbers = [a, b, c, a, d, d, b]
    body = HEAD + "".join(f"居民{i},{x},,,,{grid}\n" for i, x in enumerate(numbers))
    out = persons_import(
        raw=csv_file(body), filename="p.csv", by=world.accounts.community_worker, batch_size=2
    )
    got = [(e.row, e.message) for e in out.report.sorted()]
    assert got == [
        (5, "与文件第 2 行的身份证号重复"),
        (7, "与文件第 6 行的身份证号重复"),
        (8, "与文件第 3 行的身份证号重复"),
    ]
    assert (
        out.run.status != ImportRun.Status.DONE
        and not Person.objects.filter(name__startswith="居民").exists()
    )
