"""The kernel's export runs (``linli.core.jobs``): progress recorded while rows are written, the file
kept privately for its owner only, failure recorded, files deleted after a day."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from linli.core.jobs import (
    EXPORT_KEPT,
    FAILED_MESSAGE,
    export_file_ready,
    export_run_for,
    export_run_start,
    export_run_write,
    export_runs_of,
    export_runs_purge,
)
from linli.core.models import ExportRun
from linli.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _run(user, total: int, fmt: str = "csv") -> ExportRun:
    return export_run_start(
        kind="test.rows",
        label="测试导出",
        by=user,
        region_code="350504",
        params={"n": total},
        total=total,
        filename=f"测试.{fmt}",
    )


def test_rows_written_are_recorded_while_the_file_is_written(media):
    user = UserFactory(role="district_admin")
    run = _run(user, 25)
    seen: list[tuple[str, int]] = []

    def rows():
        for i in range(25):
            stored = ExportRun.objects.get(pk=run.pk)  # what a polling page reads meanwhile
            seen.append((stored.status, stored.rows_done))
            yield [i, f"=cmd{i}"]

    export_run_write(run=run, header=["编号", "内容"], rows=rows(), fmt="csv", every_rows=10)
    assert seen[0] == ("running", 0)
    assert seen[11] == ("running", 10) and seen[21] == ("running", 20)
    run.refresh_from_db()
    assert (run.status, run.rows_done, run.rows_total, run.percent) == ("done", 25, 25, 100)
    assert run.finished_at is not None and export_file_ready(run)
    assert run.file.name.startswith("exports/") and "测试" not in run.file.name  # a random private name
    with run.file.open("rb") as f:
        lines = list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"))))
    assert lines[0] == ["编号", "内容"] and len(lines) == 26
    assert lines[1] == ["0", "'=cmd0"]  # formula characters neutralised as in every export


def test_xlsx_run(media):
    run = _run(UserFactory(role="district_admin"), 3, "xlsx")
    export_run_write(run=run, header=["编号"], rows=([i] for i in range(3)), fmt="xlsx", sheet="人员")
    run.refresh_from_db()
    with run.file.open("rb") as f:
        ws = load_workbook(io.BytesIO(f.read()), read_only=True).worksheets[0]
        assert ws.title == "人员"
        assert [r[0] for r in ws.iter_rows(values_only=True)] == ["编号", 0, 1, 2]


def test_a_failing_run_is_marked_failed_with_a_readable_message(media):
    run = _run(UserFactory(role="district_admin"), 5)

    def rows():
        yield [1]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        export_run_write(run=run, header=["编号"], rows=rows(), fmt="csv")
    run.refresh_from_db()
    assert (run.status, run.error, run.rows_done) == ("failed", FAILED_MESSAGE, 0)
    assert run.finished_at is not None and not export_file_ready(run)


def test_a_run_is_its_owners_only(media):
    owner, other = UserFactory(role="district_admin"), UserFactory(role="system_admin", is_superuser=True)
    run = _run(owner, 1)
    assert export_run_for(user=owner, pk=run.pk) == run
    with pytest.raises(ExportRun.DoesNotExist):  # not even a system administrator
        export_run_for(user=other, pk=run.pk)
    assert export_runs_of(user=owner) == [run] and export_runs_of(user=other) == []


def test_files_are_deleted_after_a_day(media):
    run = _run(UserFactory(role="district_admin"), 1)
    export_run_write(run=run, header=["编号"], rows=[[1]], fmt="csv")
    run.refresh_from_db()
    path = media / run.file.name
    assert path.exists()
    assert export_runs_purge() == 0
    later = timezone.now() + EXPORT_KEPT + dt.timedelta(minutes=1)
    assert not export_file_ready(run, now=later)
    assert export_runs_purge(now=later) == 1
    run.refresh_from_db()
    assert not path.exists() and run.file.name == "" and run.status == "done"


def test_the_purge_command(media, capsys):
    run = _run(UserFactory(role="district_admin"), 1)
    export_run_write(run=run, header=["编号"], rows=[[1]], fmt="csv")
    ExportRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now() - EXPORT_KEPT - dt.timedelta(hours=1)
    )
    call_command("exports_purge")
    assert "已删除 1 个" in capsys.readouterr().out
    run.refresh_from_db()
    assert run.file.name == ""
