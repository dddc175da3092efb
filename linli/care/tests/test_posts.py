"""关爱岗位: community and street staff designate and end the 儿童主任 / 社会救助协理员 / social worker of
a community (pages and API through the same services); history is kept; vacant posts are flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from linli.care import services
from linli.care.models import CareWorker, Visit, Visitor
from linli.care.tests.conftest import Care
from linli.core.errors import error_code
from linli.core.models import User


def login(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_community_worker_replaces_the_child_director_and_the_history_stays(care: Care) -> None:
    acc = care.world.accounts
    tree = care.world.tree
    c = login(acc.community_worker)
    page = c.get("/care/posts/").content.decode()
    # community A has its 儿童主任 but no 社会救助协理员: flagged, on the posts page and the overview
    assert "儿童主任小陈" in page and "缺社会救助协理员" in page
    assert "缺社会救助协理员" in c.get("/care/overview/").content.decode()
    today = timezone.localdate()
    r = c.post(
        f"/care/posts/{tree.community_a.code}/assign/",
        {"post": Visitor.CHILD_DIRECTOR, "user": acc.grid_worker.pk, "since": today.isoformat()},
    )
    assert r.status_code == 302
    rows = list(
        CareWorker.objects.filter(region=tree.community_a, post=Visitor.CHILD_DIRECTOR).order_by("id")
    )
    assert [(w.user_id, w.active, w.until) for w in rows] == [
        (care.child_director.pk, False, today),
        (acc.grid_worker.pk, True, None),
    ]
    assert rows[0].end_reason == "由新任接替" and rows[1].assigned_by == acc.community_worker
    # the child's visit this month passes to the new 儿童主任
    services.care_evaluate(day=today)
    services.visits_generate(day=today)
    child_visit = Visit.objects.get(file__person=care.child, rule__code="left_behind_child")
    assert child_visit.assigned_to == acc.grid_worker
    c.post(
        f"/care/posts/{tree.community_a.code}/assign/",
        {"post": Visitor.CHILD_DIRECTOR, "user": care.child_director.pk, "since": today.isoformat()},
    )
    child_visit.refresh_from_db()
    assert child_visit.assigned_to == care.child_director
    c.post(
        f"/care/posts/{tree.community_a.code}/assign/",
        {"post": Visitor.ASSISTANCE_ASSISTANT, "user": acc.community_worker.pk},
    )
    page = c.get("/care/posts/").content.decode()
    assert "缺社会救助协理员" not in page and "任职记录（4 条）" in page
    assert "缺关爱岗位" not in c.get("/care/overview/").content.decode()
    # ending a designation keeps it, with its date; the post is then vacant again
    current = CareWorker.objects.get(region=tree.community_a, post=Visitor.CHILD_DIRECTOR, active=True)
    future = (today + dt.timedelta(days=3)).isoformat()
    refused = c.post(f"/care/posts/{current.pk}/end/", {"until": future}, follow=True).content.decode()
    assert "离岗日期不能晚于今天" in refused
    c.post(f"/care/posts/{current.pk}/end/", {"until": today.isoformat(), "reason": "调任"})
    current.refresh_from_db()
    assert not current.active and current.until == today and current.end_reason == "调任"
    assert CareWorker.objects.filter(region=tree.community_a).count() == 4  # nothing deleted
    assert "缺儿童主任" in c.get("/care/posts/").content.decode()
    # another community's post reads like absent; a grid worker cannot designate
    assert c.post(f"/care/posts/{tree.community_b.code}/assign/", {}).status_code == 404
    with pytest.raises(Exception) as err:
        services.care_worker_assign(
            actor=acc.grid_worker, region=tree.community_a, post=Visitor.CHILD_DIRECTOR, user=acc.grid_worker
        )
    assert error_code(err.value) == "care.post_not_permitted"


def test_street_staff_designate_through_the_api(care: Care) -> None:
    acc = care.world.accounts
    tree = care.world.tree
    c = login(acc.street_coordinator)
    board = {b["community"]: b for b in c.get("/api/care/posts").json()}
    assert board[tree.community_b.code]["missing"] == ["儿童主任", "社会救助协理员"]
    assert board[tree.community_a.code]["missing"] == ["社会救助协理员"]
    made = c.post(
        "/api/care/posts",
        {
            "community": tree.community_b.code,
            "post": "assistance_assistant",
            "user_id": acc.community_worker_b.pk,
        },
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["user_name"] == "桥南社工" and made.json()["active"]
    bad = c.post(
        "/api/care/posts",
        {"community": tree.community_b.code, "post": "grid_worker", "user_id": acc.community_worker_b.pk},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "care.post_invalid"
    outsider = c.post(
        "/api/care/posts",
        {"community": tree.community_b.code, "post": "child_director", "user_id": acc.district_admin.pk},
        content_type="application/json",
    )
    assert outsider.status_code == 422 and outsider.json()["code"] == "care.post_user_invalid"
    pk = made.json()["id"]
    ended = c.post(f"/api/care/posts/{pk}/end", {"reason": "退休"}, content_type="application/json")
    assert ended.status_code == 200 and ended.json()["until"] == timezone.localdate().isoformat()
    again = c.post(f"/api/care/posts/{pk}/end", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "care.post_ended"
    # a community worker of community B cannot see community A's posts
    other = login(acc.community_worker_b)
    assert [b["community"] for b in other.get("/api/care/posts").json()] == [tree.community_b.code]
    assert (
        other.post(
            f"/api/care/posts/{care.child_director.care_posts.get().pk}/end",
            {},
            content_type="application/json",
        ).status_code
        == 404
    )
    with pytest.raises(ValidationError):
        services.care_worker_end(
            actor=acc.street_coordinator,
            worker=care.child_director.care_posts.get(),
            until=dt.date(2000, 1, 1),
        )
