"""The writes and their rules on the database: registration, signups, sign-in/out, hours, stars,
proofs, the time bank; bad input refused with a code and nothing half-written."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from linli.core import scope
from linli.core.errors import Conflict, error_code
from linli.testing.races import on_postgresql, race
from linli.volunteers import selectors, services
from linli.volunteers.models import (
    Account,
    AccountKind,
    Movement,
    ServiceRecord,
    Signup,
    StarReached,
    StarThreshold,
    Volunteer,
)

D = Decimal
pytestmark = pytest.mark.django_db


def _code(fn, *a, **kw):  # type: ignore[no-untyped-def]
    with pytest.raises((ValidationError, PermissionDenied)) as exc:
        fn(*a, **kw)
    return error_code(exc.value)


def test_register_needs_consent_once_and_office_mode(world):
    a = world.accounts
    assert (
        _code(services.volunteer_register, actor=a.resident, person=world.people.head, consent=False)
        == "volunteer.consent_required"
    )
    assert not Volunteer.objects.exists()
    v = services.volunteer_register(actor=a.resident, person=world.people.head, consent=True)
    assert v.registered_by == "self" and v.region == world.tree.community_a and v.consent_text
    assert (
        _code(services.volunteer_register, actor=a.resident, person=world.people.head, consent=True)
        == "volunteer.already_registered"
    )
    assert (
        _code(services.volunteer_register, actor=a.resident, person=world.people.spouse, consent=True)
        == "volunteer.not_own"
    )
    office = services.volunteer_register(actor=a.community_worker, person=world.people.spouse, consent=True)
    assert office.registered_by == "office" and office.registered_by_user == a.community_worker
    # another community's worker: out of scope
    with pytest.raises(PermissionDenied):
        services.volunteer_register(actor=a.community_worker_b, person=world.people.child, consent=True)


def test_signup_signin_signout_confirm_and_the_bad_inputs(world, volunteer, make_activity):
    a = world.accounts
    act = make_activity()
    pos = act.positions.get(name="陪伴聊天")
    s = services.signup_create(actor=a.resident, activity=act, volunteer=volunteer, position=pos)
    assert (
        _code(services.signup_create, actor=a.resident, activity=act, volunteer=volunteer, position=pos)
        == "signup.duplicate"
    )
    assert Signup.objects.count() == 1
    assert _code(services.signup_sign_out, actor=a.resident, signup=s) == "signout.not_signed_in"
    assert (
        _code(
            services.signup_sign_in,
            actor=a.resident,
            signup=s,
            code="000000" if act.checkin_code != "000000" else "111111",
        )
        == "signin.code_wrong"
    )
    assert (
        _code(services.signup_sign_in, actor=a.resident, signup=s, lat=24.99, lon=118.7) == "signin.too_far"
    )
    s = services.signup_sign_in(actor=a.resident, signup=s, lat=24.9612, lon=118.6712)
    assert s.signed_in_by == "position"
    s = services.signup_sign_out(actor=a.resident, signup=s, at=s.signed_in_at + dt.timedelta(hours=1))
    # the volunteer cannot confirm their own hours (nor is a resident the organiser)
    assert _code(services.hours_confirm, actor=a.resident, signup=s) == "activity.not_organiser"
    assert (
        _code(
            services.hours_confirm,
            actor=a.community_worker,
            signup=s,
            started_at=act.starts_at - dt.timedelta(hours=1),
            ended_at=act.starts_at + dt.timedelta(hours=1),
        )
        == "record.outside_activity"
    )
    rec = services.hours_confirm(actor=a.community_worker, signup=s)
    assert rec.hours == D("1.0") and rec.confirmed_by == a.community_worker
    assert _code(services.hours_confirm, actor=a.community_worker, signup=s) == "record.already_confirmed"
    # earned exactly once, from the community's issuing account
    m = Movement.objects.get(record=rec)
    assert m.kind == "earned" and m.amount == rec.hours and m.debit.kind == AccountKind.ISSUER


def test_a_community_worker_who_volunteers_cannot_confirm_their_own_hours(world, make_activity):
    a = world.accounts
    worker = a.community_worker
    worker.person = world.people.child
    worker.save(update_fields=["person"])
    v = services.volunteer_register(actor=worker, person=world.people.child, consent=True)
    act = make_activity()
    s = services.signup_create(actor=worker, activity=act, volunteer=v, position=act.positions.first())
    assert (
        _code(services.hours_confirm, actor=worker, signup=s, started_at=act.starts_at, ended_at=act.ends_at)
        == "record.self_confirm"
    )
    assert not ServiceRecord.objects.exists() and not Movement.objects.exists()


def test_hours_never_overlap_corrections_point_at_the_old_and_move_the_ledger(world, volunteer):
    a = world.accounts
    t0 = timezone.now() - dt.timedelta(days=3)
    r1 = services.record_add(
        actor=a.community_worker,
        volunteer=volunteer,
        started_at=t0,
        ended_at=t0 + dt.timedelta(hours=4),
        content="站点值班",
    )
    assert (
        _code(
            services.record_add,
            actor=a.community_worker,
            volunteer=volunteer,
            started_at=t0 + dt.timedelta(hours=3),
            ended_at=t0 + dt.timedelta(hours=5),
            content="又一次",
        )
        == "record.overlap"
    )
    r2 = services.record_correct(
        actor=a.community_worker, record=r1, reason="实际只服务了2小时", ended_at=t0 + dt.timedelta(hours=2)
    )
    assert r2.corrects == r1 and r2.hours == D("2.0")
    assert services.total_hours(volunteer) == D("2.0")
    # the register's column counts the correction, not the record it replaced
    assert selectors.volunteer_list(a.community_worker).get(pk=volunteer.pk).hours == D("2.0")
    assert (
        _code(services.record_correct, actor=a.community_worker, record=r1, reason="再改")
        == "record.already_corrected"
    )
    acc = services.account_of_person(volunteer.person)
    assert services.balance_of(acc) == D("2.0")
    with pytest.raises(TypeError):
        r1.save()
    with pytest.raises(TypeError):
        ServiceRecord.objects.filter(pk=r1.pk).update(hours=9)
    services.record_correct(actor=a.community_worker, record=r2, reason="重复登记，作废", void=True)
    assert services.total_hours(volunteer) == 0 and services.balance_of(acc) == 0


def test_hours_already_spent_cannot_be_corrected_away_and_the_refusal_says_what_to_do(world, volunteer):
    a = world.accounts
    t0 = timezone.now() - dt.timedelta(days=3)
    r1 = services.record_add(
        actor=a.community_worker,
        volunteer=volunteer,
        started_at=t0,
        ended_at=t0 + dt.timedelta(hours=4),
        content="站点值班",
    )
    services.timebank_spend(actor=a.community_worker, person=volunteer.person, amount=D(3), note="理发")
    records, movements = ServiceRecord.objects.count(), Movement.objects.count()
    with pytest.raises(Conflict) as exc:
        services.record_correct(actor=a.community_worker, record=r1, reason="重复登记", void=True)
    assert exc.value.code == "record.hours_spent"
    assert "现有余额 1.0 小时，不够扣回 4.0 小时" in str(exc.value.messages)
    # nothing written
    assert (ServiceRecord.objects.count(), Movement.objects.count()) == (records, movements)
    # within the balance the correction goes through
    r2 = services.record_correct(
        actor=a.community_worker, record=r1, reason="实际3小时", ended_at=t0 + dt.timedelta(hours=3)
    )
    assert r2.hours == D(3) and services.balance_of(services.account_of_person(volunteer.person)) == 0


def test_star_levels_follow_the_regions_thresholds_and_notify_once(world, volunteer):
    a = world.accounts
    services.star_thresholds_set(
        actor=a.district_admin, region=world.tree.district, hours=[D(5), D(10), D(20), D(40), D(80)]
    )
    assert (
        _code(
            services.star_thresholds_set, actor=a.community_worker, region=world.tree.district, hours=[D(1)]
        )
        == "volunteer.district_only"
    )
    assert (
        _code(
            services.star_thresholds_set,
            actor=a.district_admin,
            region=world.tree.district,
            hours=[D(5), D(4)],
        )
        == "star.thresholds_invalid"
    )
    assert StarThreshold.objects.count() == 5
    t0 = timezone.now() - dt.timedelta(days=10)
    for i in range(3):
        start = t0 + dt.timedelta(days=i)
        services.record_add(
            actor=a.community_worker,
            volunteer=volunteer,
            started_at=start,
            ended_at=start + dt.timedelta(hours=4),
            content="值班",
        )
    status = selectors.star_status(volunteer)
    assert status.hours == D(12) and status.level == 2 and status.name == "二星"
    assert sorted(StarReached.objects.values_list("level", flat=True)) == [1, 2]
    assert [s.level for s in selectors.unseen_stars(volunteer)] == [1, 2]
    services.stars_seen(actor=a.resident, volunteer=volunteer)
    assert selectors.unseen_stars(volunteer) == []


def test_proof_serial_code_and_public_verification_shows_only_the_masked_name(world, volunteer, client):
    a = world.accounts
    assert _code(services.proof_issue, actor=a.resident, volunteer=volunteer) == "proof.no_records"
    t0 = timezone.now() - dt.timedelta(days=2)
    services.record_add(
        actor=a.community_worker,
        volunteer=volunteer,
        started_at=t0,
        ended_at=t0 + dt.timedelta(hours=3),
        content="值班",
    )
    p1 = services.proof_issue(actor=a.resident, volunteer=volunteer)
    p2 = services.proof_issue(actor=a.resident, volunteer=volunteer)
    year = timezone.localdate().year
    assert (p1.serial, p2.serial) == (f"ZYZM{year}000001", f"ZYZM{year}000002")
    assert p1.hours == D(3) and len(p1.verify_code) == 10
    html = client.get("/volunteers/verify/", {"code": p1.verify_code.lower()}).content.decode()
    assert "证明真实有效" in html and "林**" in html and "林建国" not in html and "13859001234" not in html
    r = client.get("/volunteers/verify/", {"code": "NOSUCHCODE"})
    assert r.status_code == 404 and "没有这个验证码" in r.content.decode()
    api = client.get(f"/api/volunteers/proofs/verify/{p1.verify_code}").json()
    assert api["masked_name"] == "林**" and api["serial"] == p1.serial
    assert client.get("/api/volunteers/proofs/verify/XXXX").status_code == 404
    client.force_login(a.resident)
    pdf = client.get(f"/volunteers/proofs/{p1.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    client.force_login(a.community_worker_b)
    assert client.get(f"/volunteers/proofs/{p1.pk}.pdf").status_code == 404


def test_time_bank_spend_donate_overdraft_and_the_regions_limit(world, volunteer):
    a = world.accounts
    t0 = timezone.now() - dt.timedelta(days=2)
    services.record_add(
        actor=a.community_worker,
        volunteer=volunteer,
        started_at=t0,
        ended_at=t0 + dt.timedelta(hours=3),
        content="值班",
    )
    head = world.people.head
    services.timebank_donate(actor=a.resident, person=head, to=world.people.spouse, amount=D(1))
    services.timebank_donate(actor=a.resident, person=head, amount=D("0.5"))  # to the community's pool
    assert (
        _code(services.timebank_donate, actor=a.resident, person=head, to=world.people.in_b, amount=D(1))
        == "timebank.not_family"
    )
    before = Movement.objects.count()
    with pytest.raises(Conflict) as exc:
        services.timebank_spend(actor=a.community_worker, person=head, amount=D(2), note="上门理发")
    assert exc.value.code == "timebank.overdraft" and Movement.objects.count() == before
    services.timebank_rule_set(
        actor=a.district_admin, region=world.tree.district, overdraft_limit=D(1), expire_after_months=0
    )
    services.timebank_spend(actor=a.community_worker, person=head, amount=D(2), note="上门理发")
    acc = services.account_of_person(head)
    balance, lines = selectors.statement(acc)
    assert balance == D("-0.5") and [ln.kind for ln in lines] == ["兑换服务", "转赠", "转赠", "服务获得"]
    assert lines[-1].balance == D(3) and lines[0].balance == balance
    assert selectors.ledger_total() == 0


def test_random_ledger_sequence_on_the_database_keeps_the_invariants(world):
    a = world.accounts
    rnd = random.Random(3)
    people = [world.people.head, world.people.spouse, world.people.child]
    accs = [services.account_of_person(p) for p in people]
    issuer = services.account_of_region(world.tree.community_a, AccountKind.ISSUER)
    refused = 0
    for _ in range(120):
        kind = rnd.choice(["earned", "spent", "donated"])
        amount = D(rnd.randint(1, 8)) / 2
        debit, credit = (issuer, rnd.choice(accs)) if kind == "earned" else rnd.sample(accs, 2)
        try:
            services.movement_create(
                actor=a.community_worker, debit=debit, credit=credit, amount=amount, kind=kind
            )
        except Conflict:
            refused += 1
    assert refused > 0
    for acc in accs:
        credits = Movement.objects.filter(credit=acc).aggregate(s=Sum("amount"))["s"] or 0
        debits = Movement.objects.filter(debit=acc).aggregate(s=Sum("amount"))["s"] or 0
        assert services.balance_of(acc) == credits - debits >= 0
    assert selectors.ledger_total() == 0


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_spends_of_one_account_never_overdraw_or_lose_a_movement(world):
    a = world.accounts
    acc = services.account_of_person(world.people.head)
    other = services.account_of_person(world.people.spouse)
    issuer = services.account_of_region(world.tree.community_a, AccountKind.ISSUER)
    services.movement_create(actor=None, debit=issuer, credit=acc, amount=D(5), kind="earned")
    outcomes = race(
        [
            (
                lambda: services.movement_create(
                    actor=a.community_worker, debit=acc, credit=other, amount=D(1), kind="donated"
                )
            )
            for _ in range(8)
        ]
        + [
            (
                lambda: services.movement_create(
                    actor=None, debit=issuer, credit=other, amount=D(1), kind="earned"
                )
            )
            for _ in range(4)
        ]
    )
    assert sorted(outcomes) == ["ok"] * 9 + ["timebank.overdraft"] * 3
    assert services.balance_of(acc) == 0 and services.balance_of(other) == D(9)
    assert Movement.objects.count() == 10 and selectors.ledger_total() == 0


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_opposite_transfers_at_once_neither_deadlock_nor_overdraw(world):
    """A→B and B→A at the same moment: each locks only its own debit row (no key update), so the
    movement's key-share lock on the other row never waits on it; every transfer goes through."""
    a = world.accounts
    acc_a = services.account_of_person(world.people.head)
    acc_b = services.account_of_person(world.people.spouse)
    issuer = services.account_of_region(world.tree.community_a, AccountKind.ISSUER)
    for acc in (acc_a, acc_b):
        services.movement_create(actor=None, debit=issuer, credit=acc, amount=D(5), kind="earned")

    def give(debit: Account, credit: Account) -> None:
        services.movement_create(
            actor=a.community_worker, debit=debit, credit=credit, amount=D(1), kind="donated"
        )

    outcomes = race([lambda: give(acc_a, acc_b), lambda: give(acc_b, acc_a)] * 4)
    assert outcomes == ["ok"] * 8
    assert services.balance_of(acc_a) == services.balance_of(acc_b) == D(5)
    assert selectors.ledger_total() == 0


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_take_one_place_each_and_never_twice(world, make_activity):
    act = make_activity(positions=[("陪伴聊天", 1)])
    v = services.volunteer_register(actor=world.accounts.resident, person=world.people.head, consent=True)
    pos = act.positions.get()
    outcomes = race(
        [
            lambda: services.signup_create(
                actor=world.accounts.resident, activity=act, volunteer=v, position=pos
            )
            for _ in range(5)
        ]
    )
    assert sorted(outcomes) == ["ok"] + ["signup.duplicate"] * 4


def test_the_plans_volunteer_share_evaluates_on_the_register_and_party_team_coverage(world):
    from linli.indicators import selectors as ind
    from linli.indicators.models import Indicator

    a, t = world.accounts, world.tree
    services.volunteer_register(actor=a.resident, person=world.people.head, consent=True)
    services.volunteer_register(
        actor=a.community_worker, person=world.people.spouse, consent=True, party_member=True
    )
    v = Volunteer.objects.get(person=world.people.spouse)
    services.team_create(
        actor=a.community_worker, region=t.community_a, name="万福党员志愿服务队", party_team=True, leader=v
    )
    assert Indicator.objects.get(code="volunteer_share").numerator == "volunteers_registered"
    compiled, errors = ind.compiled_indicators(
        Indicator.objects.filter(code__in=["volunteer_share", "party_team_coverage"])
    )
    assert errors == {}
    year = timezone.localdate().year
    out, _ = ind.evaluate(compiled, "350504", [12, 9], year)
    share = out[t.community_a.code]["volunteer_share"]
    assert share.numerator == 2 and share.value == D(2) / share.denominator * 100
    assert out[t.community_b.code]["volunteer_share"].numerator == 0
    street = out[t.street.code]["party_team_coverage"]
    assert (street.numerator, street.denominator) == (1, 2)  # A has its 党员志愿服务队, B not yet


def test_the_needs_matching_proposes_registered_volunteers(world):
    from linli.services import selectors as service_selectors
    from linli.services import services as service_services
    from linli.services.engine import matching
    from linli.services.models import TaxonomyTerm

    a = world.accounts
    elderly = TaxonomyTerm.objects.get(code="elderly")
    services.volunteer_register(
        actor=a.community_worker, person=world.people.in_a2, consent=True, service_areas=[elderly]
    )
    need = service_services.need_create(
        actor=a.community_worker, category=elderly, description="希望有人陪老人聊天", person=world.people.head
    )
    batch = service_selectors.match_batch(a.community_worker, [need])
    na, pa = batch.arrays
    keys = [pa.ids[j] for j, _ in matching.rank(na, pa, 0)]
    assert any(k.startswith("v") for k in keys)
    vol = next(p for p in batch.providers if getattr(p, "key", "").startswith("v"))
    assert vol.name == "黄**" and vol.url.endswith("?need=")  # type: ignore[union-attr]


def test_expiry_moves_only_old_unused_credits_and_is_safe_to_repeat(world, volunteer):
    a = world.accounts
    services.timebank_rule_set(
        actor=a.district_admin, region=world.tree.district, overdraft_limit=D(0), expire_after_months=12
    )
    acc = services.account_of_person(volunteer.person)
    issuer = services.account_of_region(world.tree.community_a, AccountKind.ISSUER)
    services.movement_create(actor=None, debit=issuer, credit=acc, amount=D(5), kind="earned")
    assert services.timebank_expire(today=timezone.localdate() + dt.timedelta(days=30)) == 0
    later = timezone.localdate() + dt.timedelta(days=400)
    assert services.timebank_expire(today=later) == 1
    assert services.balance_of(acc) == 0 and selectors.ledger_total() == 0
    assert services.timebank_expire(today=later) == 0


def test_a_community_without_its_party_team_is_work_on_the_home_page(world):
    from linli.volunteers import todo

    a, t = world.accounts, world.tree
    [item] = todo.party_team_items(a.community_worker)
    assert item.title == f"组建{t.community_a.name}党员志愿服务队" and item.state == "待组建"
    [street] = todo.party_team_items(a.street_coordinator)
    assert street.title.startswith("2 个村（社区）尚未组建") and street.count == 2
    assert todo.party_team_items(a.community_worker_b)[0].title.endswith(
        f"{t.community_b.name}党员志愿服务队"
    )
    services.volunteer_register(
        actor=a.community_worker, person=world.people.spouse, consent=True, party_member=True
    )
    leader = Volunteer.objects.get(person=world.people.spouse)
    services.team_create(
        actor=a.community_worker, region=t.community_a, name="党员志愿服务队", party_team=True, leader=leader
    )
    assert todo.party_team_items(a.community_worker) == []  # formed: nothing left to do
    assert todo.party_team_items(a.street_coordinator)[0].title == f"组建{t.community_b.name}党员志愿服务队"
    assert todo.party_team_items(a.grid_worker) == []  # scoped: the grid sees no community's gap


def test_hours_to_confirm_are_the_organisers_work_not_every_level_above(world, volunteer, make_activity):
    from linli.volunteers import todo

    a = world.accounts
    act = make_activity(hours=2)  # ends within two hours: its participants' hours are due
    s = services.signup_create(
        actor=a.resident, activity=act, volunteer=volunteer, position=act.positions.get(name="陪伴聊天")
    )
    services.signup_sign_in(actor=a.community_worker, signup=s)
    [item] = todo.confirm_items(a.community_worker)
    assert item.title == "确认服务时长：敬老院陪伴" and item.count == 1
    assert todo.confirm_items(a.street_coordinator) == []  # the community's activity, not the street's
    assert todo.confirm_items(a.community_worker_b) == []


def test_register_found_by_name_or_number_and_counted_for_its_pager(world, volunteer, client):
    """A Chinese search word is a name (the name's index alone); Latin letters and digits may be the
    number too. The page says how many it found."""
    a = world.accounts
    name = volunteer.person.name
    assert list(selectors.volunteer_list(a.community_worker, q=name[1:])) == [volunteer]
    assert list(selectors.volunteer_list(a.community_worker, q=volunteer.number)) == [volunteer]
    assert not selectors.volunteer_list(a.community_worker, q="查无此人").exists()
    client.force_login(a.community_worker)
    page = client.get("/volunteers/list/", {"q": name[1:]}).content.decode()
    assert "共 1 名" in page and volunteer.number in page
    assert "共 0 名" in client.get("/volunteers/list/", {"q": "查无此人"}).content.decode()


def test_a_one_character_search_is_counted_to_a_smaller_bound(world, volunteer, client, monkeypatch):
    """One character (a surname) matches one name in fourteen: its count stops at a smaller bound, and the
    page asks for the whole name; two characters are counted to the usual bound."""
    from linli.core import paging

    monkeypatch.setattr(paging, "BROAD_SEARCH_UP_TO", 0)
    client.force_login(world.accounts.community_worker)
    name = volunteer.person.name
    one = client.get("/volunteers/list/", {"q": name[0]}).content.decode()
    assert "超过 0 名（请输入完整姓名或编号）" in one
    assert "共 1 名" in client.get("/volunteers/list/", {"q": name[:2]}).content.decode()
    assert paging.bounded_count(
        selectors.volunteer_list(world.accounts.community_worker).values("pk"), 0
    ) == (
        0,
        True,
    )


def test_every_level_lists_its_volunteers_newest_first(world, client):
    """A street's list sorts its own volunteers (by an expression, so that the database reads them by
    region); a district's is read in the index's order: both newest first, the same rows as the rule."""
    a = world.accounts
    base = timezone.now() - dt.timedelta(days=30)
    for i, person in enumerate(world.people.all()):
        v = services.volunteer_register(actor=a.district_admin, person=person, consent=True)
        Volunteer.objects.filter(pk=v.pk).update(registered_at=base + dt.timedelta(days=(i * 7) % 11))
    assert not scope.street_or_below(a.district_admin) and scope.street_or_below(a.street_coordinator)
    for user in (a.street_coordinator, a.district_admin, a.community_worker, a.grid_worker):
        rows = list(selectors.volunteer_list(user))
        want = sorted(
            Volunteer.objects.filter(region__code__startswith=user.region.code, status="active"),
            key=lambda v: (-v.registered_at.timestamp(), v.pk),
        )
        assert rows == want and (user is a.grid_worker or len(rows) >= 2)
    client.force_login(a.street_coordinator)
    page = client.get("/volunteers/list/").content.decode()
    numbers = [v.number for v in selectors.volunteer_list(a.street_coordinator)]
    assert [n for n in numbers if n in page] == numbers and page.index(numbers[0]) < page.index(numbers[-1])
