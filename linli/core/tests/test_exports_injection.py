"""Formula injection (OWASP "CSV injection") through every door that hands out a CSV or Excel file.

Names, notes, addresses and operators typed by users start with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return; each export is downloaded through the client and read back with the csv module and
openpyxl: no cell may start with a formula character and no xlsx cell may be a formula, and the planted
values must be there, escaped with a leading ``'`` (so that a test passing on an empty file is no pass).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from linli.core.models import ImportRun
from linli.core.tabular import FORMULA_TRIGGERS
from linli.facilities.models import Facility, FacilityType
from linli.indicators import services as indicator_services
from linli.indicators.models import DataElement, DataValue, Indicator, Plan, PlanTask, TaskStatus, ValueStatus
from linli.testing.factories import BuildingFactory, HouseholdFactory, PersonFactory, World

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _escaped(payload: str, *, xlsx: bool = False) -> set[str]:
    # A spreadsheet file may store a carriage return as a line feed (XML end-of-line handling: openpyxl's
    # own writer does; with lxml installed it writes the character reference and the CR comes back).
    return {"'" + payload, "'" + payload.replace("\r", "\n")} if xlsx else {"'" + payload}


def _body(response: Any) -> bytes:
    assert response.status_code == 200, response.content[:500]
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def csv_cells(response: Any) -> list[str]:
    """Every cell of a CSV download; none may start with a formula character."""
    assert response["Content-Type"].startswith("text/csv")
    text = _body(response).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    bad = [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    assert not bad, bad
    return cells


def xlsx_cells(response: Any) -> list[Any]:
    """Every cell value of every sheet of an xlsx download; no formula, no text starting like one."""
    assert response["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(_body(response)))
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_TRIGGERS), (
                        ws.title,
                        cell.coordinate,
                        cell.value,
                    )
                values.append(cell.value)
    return values


def assert_planted(cells: list[Any], payloads: list[str], *, xlsx: bool) -> None:
    missing = [p for p in payloads if not _escaped(p, xlsx=xlsx) & set(cells)]
    assert not missing, f"planted values not in the file (escaped): {missing!r}"


def cells_of(response: Any, fmt: str) -> list[Any]:
    return csv_cells(response) if fmt == "csv" else xlsx_cells(response)


# --- the registry ------------------------------------------------------------------------------------


@pytest.fixture
def planted_registry(world: World) -> World:
    """Persons, households and buildings in grid A1 whose typed text starts like a formula."""
    grid = world.tree.grid_a1
    for payload in PAYLOADS:
        building = BuildingFactory(region=grid, name=payload, address=payload)
        short = payload[:16]  # unit and room are short fields
        household = HouseholdFactory(building=building, region=grid, unit=short, room=short, address=payload)
        PersonFactory(household=household, region=grid, name=payload, note=payload)
    return world


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["persons", "households", "buildings"])
def test_registry_page_exports(planted_registry: World, client_for: Any, kind: str, fmt: str) -> None:
    client = client_for(planted_registry.accounts.community_worker)
    response = client.post(reverse("registry:export", args=[kind]), {"format": fmt})
    assert_planted(cells_of(response, fmt), PAYLOADS, xlsx=fmt == "xlsx")


def test_registry_full_export_is_neutralised_too(planted_registry: World, client_for: Any) -> None:
    client = client_for(planted_registry.accounts.community_worker)
    response = client.post(
        reverse("registry:export", args=["persons"]), {"format": "csv", "full": "1", "reason": "核对低保"}
    )
    assert_planted(csv_cells(response), PAYLOADS, xlsx=False)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_registry_api_person_export(planted_registry: World, client_for: Any, fmt: str) -> None:
    client = client_for(planted_registry.accounts.community_worker)
    response = client.get("/api/persons/export", {"format": fmt})
    assert_planted(cells_of(response, fmt), PAYLOADS, xlsx=fmt == "xlsx")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_registry_api_export_by_token(planted_registry: World, token_client_for: Any, fmt: str) -> None:
    response = token_client_for(planted_registry.accounts.district_admin).get(
        "/api/persons/export", {"format": fmt}
    )
    assert_planted(cells_of(response, fmt), PAYLOADS, xlsx=fmt == "xlsx")


def _upload(rows: list[list[str]], header: list[str], name: str = "bad.csv") -> SimpleUploadedFile:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), content_type="text/csv")


def test_registry_import_error_report_echoes_values_escaped(world: World, client_for: Any) -> None:
    from linli.registry.services import PERSON_COLUMNS

    header = [c.header for c in PERSON_COLUMNS]
    keys = [c.key for c in PERSON_COLUMNS]
    rows = []
    for payload in PAYLOADS:  # a wrong sex, birth date, relation and grid on every row, each the payload
        row = {k: "" for k in keys} | {"name": "王五"}
        row |= {
            k: payload
            for k in ("sex", "birth_date", "relation", "residence_type", "region_code")
            if k in keys
        }
        rows.append([row[k] for k in keys])
    client = client_for(world.accounts.community_worker)
    response = client.post(
        reverse("registry:import"), {"kind": "persons", "file": _upload(rows, header)}, follow=True
    )
    assert response.status_code == 200
    run = ImportRun.objects.get(kind="persons")
    assert run.status == ImportRun.Status.REJECTED and run.errors_total >= len(PAYLOADS)
    cells = xlsx_cells(client.get(reverse("registry:import_errors", args=[run.pk])))
    echoed = {p for p in PAYLOADS if _escaped(p.strip(), xlsx=True) & set(cells)}
    # CSV cells are read stripped: the tab and carriage return in front are gone, "=1" is left.
    assert echoed >= {p for p in PAYLOADS if p == p.strip()}, cells
    assert "'=1" in cells


# Templates carry no typed text (only the fixed headers, examples and notes); they are read back all
# the same, so that an example or a note added one day in the shape of a formula is caught.


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["persons", "households", "buildings"])
def test_registry_templates(world: World, client_for: Any, kind: str, fmt: str) -> None:
    response = client_for(world.accounts.community_worker).get(
        reverse("registry:import_template", args=[kind, fmt])
    )
    assert cells_of(response, fmt)


# --- facilities ----------------------------------------------------------------------------------------


@pytest.fixture
def planted_facilities(world: World) -> World:
    kind = FacilityType.objects.filter(active=True).first()
    assert kind is not None
    for n, payload in enumerate(PAYLOADS):
        Facility.objects.create(
            code=f"INJ{n}",
            name=payload,
            type=kind,
            region=world.tree.community_a,
            address=payload,
            operator_name=payload,
        )
    return world


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_facilities_export(planted_facilities: World, client_for: Any, fmt: str) -> None:
    client = client_for(planted_facilities.accounts.community_worker)
    response = client.get(reverse("facilities:export"), {"format": fmt})
    assert_planted(cells_of(response, fmt), PAYLOADS, xlsx=fmt == "xlsx")


def test_facilities_import_error_report(world: World, client_for: Any) -> None:
    from linli.facilities.services import COLUMNS

    header = [c.header for c in COLUMNS]
    keys = [c.key for c in COLUMNS]
    rows = []
    for payload in PAYLOADS:
        row = {k: "" for k in keys} | {"name": "测试设施", "region_code": world.tree.community_a.code}
        row |= {k: payload for k in ("type", "status", "opened_on", "lat") if k in keys}
        rows.append([row[k] for k in keys])
    client = client_for(world.accounts.community_worker)
    response = client.post(reverse("facilities:import"), {"file": _upload(rows, header)})
    assert response.status_code == 200
    run = ImportRun.objects.get(kind="facilities")
    assert run.errors_total >= len(PAYLOADS)
    cells = xlsx_cells(client.get(reverse("facilities:import_errors", args=[run.pk])))
    assert {"'" + p for p in PAYLOADS if p == p.strip()} <= set(cells), cells


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_facilities_template(world: World, client_for: Any, fmt: str) -> None:
    response = client_for(world.accounts.community_worker).get(
        reverse("facilities:import_template", args=[fmt])
    )
    assert cells_of(response, fmt)


# --- regions, indicators ---------------------------------------------------------------------------------


def test_grid_import_template(world: World, client_for: Any) -> None:
    response = client_for(world.accounts.district_admin).get(reverse("regions:grid_template"))
    assert xlsx_cells(response)


@pytest.mark.parametrize("name", ["indicators:values_import", "indicators:tasks_import"])
def test_indicator_templates(world: World, client_for: Any, name: str) -> None:
    response = client_for(world.accounts.district_admin).get(reverse(name))
    assert xlsx_cells(response)


@pytest.fixture
def planted_report(world: World) -> tuple[World, int]:
    """The district adopts plan 000 (its task list); one value reported; typed text in tasks and names."""
    if not Plan.objects.exists():  # a transactional test (a thread test) flushed the seeded catalogue
        import importlib

        from django.apps import apps

        importlib.import_module("linli.indicators.migrations.0002_catalogue").load(apps, None)
    district, year = world.tree.district, dt.date.today().year
    indicator_services.plan_adopt(plan=Plan.objects.get(seed="000"), region=district, by=None)
    element = DataElement.objects.get(code="registered_volunteers")
    DataValue.objects.create(
        element=element,
        region=world.tree.community_a,
        year=year,
        value=Decimal(3),
        status=ValueStatus.APPROVED,
    )
    tasks = list(PlanTask.objects.filter(region=district).order_by("number")[: len(PAYLOADS)])
    assert len(tasks) == len(PAYLOADS)
    for task, payload in zip(tasks, PAYLOADS, strict=True):
        task.title, task.lead_units = payload, payload
        task.deadline, task.status = dt.date(2000, 1, 1), TaskStatus.IN_PROGRESS
        task.save()
    indicator = Indicator.objects.filter(targets__plan__seed="000").first()
    assert indicator is not None
    Indicator.objects.filter(pk=indicator.pk).update(name=PAYLOADS[0], unit=PAYLOADS[3])
    return world, year


@pytest.mark.parametrize("door", ["page", "api"])
def test_indicator_report_xlsx(planted_report: tuple[World, int], client_for: Any, door: str) -> None:
    world, year = planted_report
    client: Client = client_for(world.accounts.district_admin)
    if door == "page":
        response = client.get(reverse("indicators:report"), {"year": str(year), "format": "xlsx"})
    else:
        response = client.get(
            "/api/indicators/report",
            {"region": world.tree.district.code, "year": str(year), "format": "xlsx"},
        )
    assert_planted(xlsx_cells(response), PAYLOADS, xlsx=True)
