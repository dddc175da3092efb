"""GET /api/audit-log: district admins see their subtree, the system admin everything, others their own."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.models import AuditAction
from linli.core.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(world):
    a = world.accounts
    return {
        "cw_a": audit_record(
            actor=a.community_worker,
            action=AuditAction.REVEAL,
            subject=world.people.head,
            field="id_number",
            reason="核对",
        ),
        "cw_b": audit_record(
            actor=a.community_worker_b, action=AuditAction.EXPORT, region_code="350504001002", row_count=5
        ),
        "grid": audit_record(actor=a.grid_worker, action=AuditAction.UPDATE, subject=world.people.spouse),
        "other_district": audit_record(
            actor=a.system_admin, action=AuditAction.EXPORT, region_code="350503001001"
        ),
    }


def _ids(client, query: str = "") -> set[int]:
    response = client.get("/api/audit-log" + query)
    assert response.status_code == 200
    return {e["id"] for e in response.json()["items"]}


def test_district_admin_sees_the_subtree(world, entries, client_for):
    seen = _ids(client_for(world.accounts.district_admin))
    assert seen == {entries["cw_a"].pk, entries["cw_b"].pk, entries["grid"].pk}


def test_system_admin_sees_everything(world, entries, client_for):
    assert _ids(client_for(world.accounts.system_admin)) == {e.pk for e in entries.values()}


@pytest.mark.parametrize(
    ("account", "own"),
    [("community_worker", "cw_a"), ("community_worker_b", "cw_b"), ("grid_worker", "grid")],
)
def test_other_roles_see_only_their_own_entries(world, entries, client_for, account, own):
    assert _ids(client_for(getattr(world.accounts, account))) == {entries[own].pk}


def test_accounts_without_entries_see_none(world, entries, client_for):
    for account in ("resident", "department_handler", "street_coordinator"):
        assert _ids(client_for(getattr(world.accounts, account))) == set()


def test_filters(world, entries, client_for):
    client = client_for(world.accounts.system_admin)
    assert _ids(client, "?action=export") == {entries["cw_b"].pk, entries["other_district"].pk}
    assert _ids(client, "?actor=grid_worker") == {entries["grid"].pk}
    assert _ids(client, "?subject_type=registry.person") == {entries["cw_a"].pk, entries["grid"].pk}
    today = timezone.localdate()
    assert len(_ids(client, f"?from={today}&to={today}")) == 4
    assert _ids(client, f"?from={today + dt.timedelta(days=1)}") == set()
    assert _ids(client, f"?to={today - dt.timedelta(days=1)}") == set()


def test_entry_shape(world, entries, client_for):
    item = client_for(world.accounts.community_worker).get("/api/audit-log").json()["items"][0]
    assert item["actor_name"] == "community_worker"
    assert item["action"] == "reveal"
    assert item["action_label"] == "查看完整信息"
    assert item["subject_type"] == "registry.person"
    assert item["subject_id"] == str(world.people.head.pk)
    assert item["field"] == "id_number"
    assert item["region_code"] == world.tree.grid_a1.code


def test_bad_filter_is_422(world, client_for):
    response = client_for(world.accounts.system_admin).get("/api/audit-log?action=delete&from=yesterday")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"action", "from"}
