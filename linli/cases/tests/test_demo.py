import pytest
from django.test import Client

from linli.cases import demo
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, CaseEvent, DispatchRule
from linli.registry.demo import demo_load


@pytest.mark.django_db
def test_demo_step_loads_a_year_of_varied_requests() -> None:
    demo_load(scale=0.01)
    counts = demo.demo_cases_load(seed=7)
    assert demo.demo_cases_loaded()
    n = Case.objects.filter(source="demo").count()
    assert counts["诉求"] == n >= 200
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {wf.CLOSED, wf.IN_PROGRESS} <= statuses
    assert Case.objects.filter(overdue=True).exists()
    assert Case.objects.filter(reopen_count=1).exists()
    assert counts["并单"] > 0
    assert Case.objects.filter(status=wf.MERGED, merged_into__isnull=False).count() == counts["并单"]
    assert len(set(Case.objects.values_list("channel", flat=True))) >= 4
    assert (
        Case.objects.exclude(handler_org=None).exists() and Case.objects.exclude(handler_region=None).exists()
    )
    assert CaseEvent.objects.count() == counts["办理记录"] > n
    assert DispatchRule.objects.count() == counts["派单目录"] > 0
    # every request's region is a community and its grid inside it
    assert not Case.objects.exclude(region__level=5).exists()
    # the work in hand today, in the first grid (the demo grid worker's) and at each level above it
    grid = Case.objects.filter(source="demo").order_by("grid__code").values_list("grid", flat=True).first()
    in_grid = Case.objects.filter(grid=grid)
    assert {wf.RECEIVED, wf.RETURNED, wf.REPLIED, wf.IN_PROGRESS} <= set(
        in_grid.values_list("status", flat=True)
    )
    assert in_grid.filter(overdue=True, status=wf.IN_PROGRESS).exists()
    assert {4, 3} <= set(in_grid.filter(status=wf.ACCEPTED).values_list("coordinator__level", flat=True))
    assert in_grid.filter(status=wf.DISPATCHED, handler_org__name="洛江区民政局").exists()
    # the Open311 endpoint serves them
    rows = Client().get("/open311/v2/requests.json", {"page_size": "50"}).json()
    assert len(rows) == 50 and rows[0]["service_request_id"]
