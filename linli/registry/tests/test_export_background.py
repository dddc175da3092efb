"""Exports above LINLI_EXPORT_BACKGROUND_ROWS run as a task: progress recorded, the export audited when
asked (with its row count), the file given to its owner only; the API offers the same run, and its GET
export answers with one above the threshold."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from linli.core import jobs
from linli.core.models import AuditAction, AuditLog, ExportRun

pytestmark = pytest.mark.django_db

NAMES_A = {"林建国", "陈秀英", "林晓东", "黄美玲"}  # the persons of community A


@pytest.fixture
def background(settings, tmp_path):
    """Every export of more than 1 row goes to the background; files under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LINLI_EXPORT_BACKGROUND_ROWS = 1


@pytest.fixture
def progress(monkeypatch):
    """The rows-written counts recorded on runs, in order (the real recording still happens)."""
    recorded: list[int] = []
    real = jobs.export_run_progress

    def spy(*, run, done):
        real(run=run, done=done)
        recorded.append(ExportRun.objects.get(pk=run.pk).rows_done)

    monkeypatch.setattr(jobs, "export_run_progress", spy)
    monkeypatch.setattr(jobs, "PROGRESS_ROWS", 1)
    return recorded


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _file(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def test_a_large_persons_export_runs_as_a_task_for_its_owner_only(
    world, client_for, background, progress, django_capture_on_commit_callbacks
):
    user = world.accounts.community_worker
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/registry/export/persons/", {"format": "csv", "status": ""})
    run = ExportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registry/exports/{run.pk}/"
    assert (run.actor, run.kind, run.status, run.rows_total, run.rows_done) == (
        user,
        "registry.persons",
        "done",
        4,
        4,
    )
    assert progress == [1, 2, 3, 4, 4]  # recorded row by row as the file was written
    log = AuditLog.objects.get(action=AuditAction.EXPORT)  # audited once, when asked, with the count
    assert (log.actor, log.row_count, log.region_code) == (user, 4, world.tree.community_a.code)
    assert log.detail == {"filters": {}, "full": False, "export_run": run.pk}

    page = client.get(f"/registry/exports/{run.pk}/")
    assert page.status_code == 200
    assert f'href="/registry/exports/{run.pk}/file/"' in page.content.decode()
    assert "hx-trigger" not in page.content.decode()  # done: the polling stops
    rows = _csv(_file(client.get(f"/registry/exports/{run.pk}/file/")))
    assert {r[0] for r in rows[1:]} == NAMES_A
    assert all("*" in r[1] for r in rows[1:])  # masked

    for other in (
        world.accounts.community_worker_b,
        world.accounts.district_admin,
        world.accounts.system_admin,
    ):
        c = client_for(other)
        assert c.get(f"/registry/exports/{run.pk}/").status_code == 404
        assert c.get(f"/registry/exports/{run.pk}/file/").status_code == 404


def test_the_page_polls_while_the_run_waits(world, client_for, background):
    client = client_for(world.accounts.community_worker)
    response = client.post("/registry/export/persons/", {"format": "xlsx"})  # not committed: queued
    run = ExportRun.objects.get()
    assert response.status_code == 302 and run.status == "queued"
    fragment = client.get(f"/registry/exports/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "排队中" in fragment and "<html" not in fragment
    assert client.get(f"/registry/exports/{run.pk}/file/").status_code == 404  # not written yet


def test_a_small_export_stays_immediate(world, client_for, settings):
    assert settings.LINLI_EXPORT_BACKGROUND_ROWS >= 4
    response = client_for(world.accounts.community_worker).post(
        "/registry/export/persons/", {"format": "csv"}
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert {r[0] for r in _csv(b"".join(response.streaming_content))[1:]} == NAMES_A
    assert not ExportRun.objects.exists()
    assert AuditLog.objects.get(action=AuditAction.EXPORT).row_count == 4


def test_a_full_export_in_the_background_needs_the_reason_first(world, client_for, background):
    client = client_for(world.accounts.community_worker)
    response = client.post(
        "/registry/export/persons/", {"format": "csv", "full": "1"}, HTTP_REFERER="/registry/persons/"
    )
    assert response.status_code == 302 and response["Location"] == "/registry/persons/"
    assert not ExportRun.objects.exists() and not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_api_offers_the_same_run_with_the_same_rows(
    world, client_for, background, django_capture_on_commit_callbacks
):
    user = world.accounts.community_worker
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/registry/export/persons/", {"format": "xlsx", "sex": "F"})
        api = client.post(
            "/api/exports", {"kind": "persons", "format": "xlsx", "sex": "F"}, content_type="application/json"
        )
    assert page.status_code == 302 and api.status_code == 202, api.content
    run_id = api.json()["id"]
    page_run = ExportRun.objects.exclude(pk=run_id).get()
    status = client.get(f"/api/exports/{run_id}").json()
    assert status["status"] == "done" and status["rows_done"] == status["rows_total"] == page_run.rows_total
    assert status["download"] == f"/api/exports/{run_id}/file"

    def sheet(body: bytes) -> list[tuple]:
        return list(load_workbook(io.BytesIO(body), read_only=True).worksheets[0].iter_rows(values_only=True))

    from_api = sheet(_file(client.get(status["download"])))
    from_page = sheet(_file(client.get(f"/registry/exports/{page_run.pk}/file/")))
    assert from_api == from_page and {r[0] for r in from_api[1:]} == {"陈秀英", "黄美玲"}
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, row_count=2).count() == 2

    other = client_for(world.accounts.community_worker_b)
    assert other.get(f"/api/exports/{run_id}").status_code == 404
    assert other.get(f"/api/exports/{run_id}/file").status_code == 404


def test_api_unknown_kind_and_unfinished_file(world, client_for, background):
    client = client_for(world.accounts.community_worker)
    bad = client.post("/api/exports", {"kind": "tags"}, content_type="application/json")
    assert bad.status_code == 422
    queued = client.post(
        "/api/exports", {"kind": "buildings"}, content_type="application/json"
    )  # not committed
    assert (
        queued.status_code == 202
        and queued.json()["status"] == "queued"
        and queued.json()["download"] is None
    )
    missing = client.get(f"/api/exports/{queued.json()['id']}/file")
    assert missing.status_code == 404 and missing.json()["code"] == "export.file_not_ready"


def test_api_get_export_above_the_threshold_answers_with_a_run(
    world, client_for, background, django_capture_on_commit_callbacks
):
    """GET /api/persons/export writes the file while the client waits only up to the threshold; above,
    it answers 202 with the run, like POST /api/exports."""
    client = client_for(world.accounts.community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/api/persons/export?format=csv")
    assert response.status_code == 202, response.content
    run = ExportRun.objects.get(pk=response.json()["id"])
    assert (run.status, run.rows_total, run.rows_done) == ("done", 4, 4)
    assert response.json()["rows_total"] == 4
    rows = _csv(_file(client.get(f"/api/exports/{run.pk}/file")))
    assert {r[0] for r in rows[1:]} == NAMES_A
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (log.row_count, log.detail["export_run"]) == (4, run.pk) and "rows_at_least" not in log.detail


def test_an_export_whose_count_stops_at_its_bound_goes_to_the_background_and_counts_there(
    world, client_for, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    """A filtered list is counted only so far (``COUNT_EXACT_MAX``) while the account waits: past it the
    export is a run whatever the threshold, audited as "at least" that many, and the run counts exactly."""
    from linli.registry import selectors

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(selectors, "COUNT_EXACT_MAX", 1)
    client = client_for(world.accounts.community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/api/persons/export?format=csv&sex=F")  # 2 women in community A
    assert response.status_code == 202, response.content
    run = ExportRun.objects.get(pk=response.json()["id"])
    assert (run.status, run.rows_total, run.rows_done) == ("done", 2, 2)
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (log.row_count, log.detail["rows_at_least"], log.detail["export_run"]) == (1, True, run.pk)
