"""Page and API reach the same regions services: the same state after a write, the same refusal.

Two writes: setting a community's urban/rural class (``region_set_urban_rural``) and importing grids
(``grids_import``, whose grid workers the registry records through ``linli.regions.hooks``).
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.core.models import AuditAction, AuditLog
from linli.regions.models import Region
from linli.registry.models import Staff

pytestmark = pytest.mark.django_db

GRID_HEADER = "网格编码,网格名称,所属社区编码,边界GeoJSON,网格员姓名,网格员电话\n"


def _csv(*rows: str, name: str = "grids.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (GRID_HEADER + "\n".join(rows) + "\n").encode(), content_type="text/csv")


def _state(region: Region) -> tuple[str, bool, int]:
    region.refresh_from_db()
    audits = AuditLog.objects.filter(
        action=AuditAction.UPDATE, subject_type="regions.region", subject_id=str(region.pk)
    ).count()
    return region.urban_rural, region.urban_rural_manual, audits


# --- urban / rural ---------------------------------------------------------------------------------


def test_urban_rural_page_and_api_give_the_same_state(world, client_for):
    client = client_for(world.accounts.district_admin)
    c, d = world.tree.community_c, world.tree.community_d
    page = client.post(f"/regions/{c.code}/urban-rural/", {"value": "urban"})
    assert page.status_code == 302
    api = client.patch(
        f"/api/regions/{d.code}/urban-rural", {"value": "urban"}, content_type="application/json"
    )
    assert api.status_code == 200
    assert _state(c) == _state(d) == ("urban", True, 1)


def test_urban_rural_refusal_is_the_same_rule_on_both_doors(world, client_for):
    client = client_for(world.accounts.district_admin)
    street = world.tree.street  # not a community: the rule region.not_community
    api = client.patch(
        f"/api/regions/{street.code}/urban-rural", {"value": "rural"}, content_type="application/json"
    )
    assert api.status_code == 422
    assert api.json()["code"] == "region.not_community"
    page = client.post(f"/regions/{street.code}/urban-rural/", {"value": "rural"})
    assert page.status_code == 302
    shown = [str(m) for m in get_messages(page.wsgi_request)]
    assert shown == api.json()["errors"]["value"]  # the service's one message, word for word
    assert _state(street)[:2] == ("", False)


# --- grid import -----------------------------------------------------------------------------------


def test_grid_import_page_and_api_give_the_same_state(world, client_for):
    a = world.tree.community_a.code
    client = client_for(world.accounts.community_worker)
    page = client.post(
        f"/regions/{a}/grids/import/", {"file": _csv(f"{a}021,第21网格,{a},,王网格,13900002121")}
    )
    assert page.status_code == 200 and page.context["result"].ok
    api = client.post(
        f"/api/regions/{a}/grids/import", {"file": _csv(f"{a}022,第22网格,{a},,王网格,13900002121")}
    )
    assert api.json()["status"] == "done"
    result = page.context["result"]
    assert (
        (result.created, result.updated, result.workers)
        == (
            api.json()["created"],
            api.json()["updated"],
            api.json()["workers"],
        )
        == (1, 0, 1)
    )
    worker = Staff.objects.get(name="王网格")  # the registry's one worker, now serving both grids
    assert sorted(worker.grids.values_list("code", flat=True)) == [f"{a}021", f"{a}022"]
    assert AuditLog.objects.filter(action=AuditAction.IMPORT, detail__kind="grids").count() == 2


def test_grid_import_refusal_has_the_same_code_on_both_doors(world, client_for):
    a = world.tree.community_a.code
    client = client_for(world.accounts.community_worker)
    unreadable = "{not json"
    api = client.post(
        f"/api/regions/{a}/grids/import",
        {
            "file": SimpleUploadedFile(
                "grids.geojson", unreadable.encode(), content_type="application/geo+json"
            )
        },
    )
    assert api.status_code == 422
    page = client.post(
        f"/regions/{a}/grids/import/",
        {
            "file": SimpleUploadedFile(
                "grids.geojson", unreadable.encode(), content_type="application/geo+json"
            )
        },
    )
    assert page.status_code == 200 and "result" not in page.context
    assert page.context["form"].errors.as_data()["file"][0].code == api.json()["code"] == "file.unreadable"
