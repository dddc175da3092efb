"""A community worker exports the persons of his community at his desk: above the background threshold
the export becomes a run whose page shows its progress (polled every 2 s), then the download link; the
file is his alone, and the audit log has the export with its row count."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from linli.core.models import AuditAction, AuditLog, ExportRun
from linli.registry.services import export_run_execute
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def test_a_large_export_shows_its_progress_then_the_download(
    world: World, signed_in, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LINLI_EXPORT_BACKGROUND_ROWS = 1
    # The worker's queue: tasks wait (as for ``db_worker``) until the test works them below.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    v = signed_in("community_worker")
    page = v.page

    v.go("/registry/import/", "import")
    page.get_by_role("button", name="人员（Excel，脱敏）").click()
    page.wait_for_url("**/registry/exports/*/")
    run = ExportRun.objects.get()
    expect(page.locator("h1")).to_have_text("人员导出（脱敏）")
    expect(page.locator("#export-progress")).to_contain_text("排队中")
    expect(page.locator("#export-progress progress")).to_have_attribute("value", "0")
    v.shot("export-queued")

    ExportRun.objects.filter(pk=run.pk).update(status="running", rows_done=2)  # the worker half-way
    expect(page.locator("#export-progress")).to_contain_text("已完成 2 / 4 条（50%）", timeout=6000)
    v.shot("export-running")

    export_run_execute(run_id=run.pk)  # the worker finishes
    link = page.locator("#export-download")
    expect(link).to_be_visible(timeout=6000)
    expect(page.locator("#export-progress")).to_contain_text("共 4 条")
    v.shot("export-done")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "人员-脱敏.xlsx"
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True).worksheets[0]
    names = {r[0] for r in list(ws.iter_rows(values_only=True))[1:]}
    assert names == {"林建国", "陈秀英", "林晓东", "黄美玲"}

    v.go("/registry/exports/", "export-runs")  # 导入导出 → 我的导出: the way back to the file
    expect(page.locator("table.t")).to_contain_text("人员导出（脱敏）")
    expect(page.locator("table.t")).to_contain_text("已完成")

    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (log.actor, log.row_count, log.detail["export_run"]) == (
        world.accounts.community_worker,
        4,
        run.pk,
    )

    other = signed_in("community_worker_b")
    other.go(f"/registry/exports/{run.pk}/", "export-not-his", status=404)
    response = other.page.request.get(other.base + f"/registry/exports/{run.pk}/file/")
    assert response.status == 404
