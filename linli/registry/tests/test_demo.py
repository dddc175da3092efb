"""The synthetic 洛江区 demo: plausible, deterministic, with its planted defects, and the demo accounts."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from linli.core.engine import idnumber
from linli.core.models import User
from linli.core.roles import DEFAULT_EXPORT, DEFAULT_REVEAL, Role
from linli.regions.models import Level, Region
from linli.registry import demo
from linli.registry.models import (
    Building,
    BuildingKind,
    Household,
    Organisation,
    OrganisationKind,
    Person,
    PersonTag,
    Relation,
    Staff,
    StaffKind,
    TagKind,
)

SMALL = 0.02  # ≈ 4 600 persons: enough for the shares to be stable, quick to load


def _snapshot() -> dict[str, object]:
    first = Person.objects.order_by("pk").first()
    assert first is not None
    return {
        "persons": Person.objects.count(),
        "households": Household.objects.count(),
        "buildings": Building.objects.count(),
        "grids": Region.objects.filter(level=Level.GRID).count(),
        "tags": PersonTag.objects.count(),
        "staff": Staff.objects.count(),
        "first": (first.name, str(first.id_number), str(first.phone), first.birth_date, first.relation),
        "names": list(Person.objects.order_by("pk").values_list("name", flat=True)[:50]),
        "tag_kinds": sorted(Counter(PersonTag.objects.values_list("kind", flat=True)).items()),
    }


def _rect(boundary: dict) -> tuple[float, float, float, float]:
    ring = boundary["coordinates"][0]
    lats, lons = [c[1] for c in ring], [c[0] for c in ring]
    return min(lats), max(lats), min(lons), max(lons)


# --- pure parts -----------------------------------------------------------------------------------


def test_household_compose_relations_are_consistent_with_ages():
    s = demo.Stream(1)
    for n in range(20_000):
        size = s.weighted(demo.HOUSEHOLD_SIZE)
        members, skipped = demo.household_compose(s, size, rural=n % 2 == 0)
        assert len(members) == size
        assert members[0][0] == Relation.HEAD and [r for r, _, _ in members].count(Relation.HEAD) == 1
        head_age = members[0][1]
        for rel, age, sex in members:
            assert 0 <= age <= 99 and sex in ("M", "F")
            if rel == Relation.CHILD:
                assert head_age - age >= 16
            elif rel == Relation.PARENT:
                assert age - head_age >= 16
            elif rel == Relation.GRANDCHILD:
                assert head_age - age >= 32
            elif rel in (Relation.SPOUSE, Relation.CHILD_IN_LAW):
                assert age >= 18
        if skipped:
            assert {r for r, _, _ in members[2:]} == {Relation.GRANDCHILD}


def test_birth_for_age_gives_that_age_today():
    s = demo.Stream(3)
    today = dt.date(2026, 3, 1)
    for age in (0, 1, 17, 59, 60, 99):
        for _ in range(200):
            birth = demo.birth_for_age(s, age, today)
            assert birth < today and idnumber.age_on(birth, today) == age
    with pytest.raises(ValueError):
        demo.birth_for_age(s, -1, today)


def test_community_tiles_cover_the_community_exactly():
    s = demo.Stream(5)
    slots = demo.zone_slots(demo.ZONES["350504001"], 8)
    assert len(slots) == 8
    for n in (1, 2, 5, 7, 12):
        rect, tiles = demo.community_tiles(s, slots[0], n, urban=True)
        assert len(tiles) == n
        area = sum((t[1] - t[0]) * (t[3] - t[2]) for t in tiles)
        assert area == pytest.approx((rect[1] - rect[0]) * (rect[3] - rect[2]), rel=1e-9)
        assert all(
            slots[0][0] <= t[0] and t[1] <= slots[0][1] and slots[0][2] <= t[2] and t[3] <= slots[0][3]
            for t in tiles
        )
        side_m = (tiles[0][1] - tiles[0][0]) * demo.M_PER_DEG_LAT
        assert 150 < side_m <= 300.0001


def test_credit_codes_are_18_characters_and_distinct():
    codes = {demo.credit_code("54", "350504", n) for n in range(1000)}
    assert len(codes) == 1000
    assert all(re.fullmatch(r"54350504[0-9]{8}[0-9X][0-9A-HJ-NP-RTUWXY]", c) for c in codes)


# --- the load -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_load_is_plausible_and_plants_the_audit_findings():
    result = demo.demo_load(scale=SMALL)
    today = timezone.localdate()

    persons = list(Person.objects.all())
    assert len(persons) == result.counts["persons"] > 4000
    # Every ID number is valid and agrees with the stored sex and birth date.
    for p in persons:
        facts = idnumber.parse(p.id_number.reveal())
        assert (facts.sex, facts.birth_date) == (p.sex, p.birth_date)
        phone = p.phone.reveal()
        assert phone == "" or re.fullmatch(r"1[35789]\d{9}", phone)
        assert phone == "" or p.age >= 18
    registered = [p for p in persons if p.residence_type == "registered"]
    assert all(p.id_number.reveal().startswith("350504") for p in registered)

    # The 2020 census shape: 0–14 ≈ 19 %, 15–59 ≈ 64 %, 60+ ≈ 17 %, 80+ ≈ 2.3 %, sex ratio ≈ 105.
    ages = [idnumber.age_on(p.birth_date, today) for p in persons]
    share = lambda lo, hi: sum(lo <= a < hi for a in ages) / len(ages)  # noqa: E731
    assert share(0, 15) == pytest.approx(0.19, abs=0.03)
    assert share(15, 60) == pytest.approx(0.64, abs=0.03)
    assert share(60, 200) == pytest.approx(0.17, abs=0.03)
    assert share(80, 200) == pytest.approx(0.023, abs=0.012)
    sexes = Counter(p.sex for p in persons)
    assert 95 <= sexes["M"] / sexes["F"] * 100 <= 115
    residence = Counter(p.residence_type for p in persons)
    assert residence["registered"] / len(persons) == pytest.approx(0.75, abs=0.05)
    assert Counter(p.ethnicity for p in persons)["汉族"] / len(persons) > 0.97

    sizes = Counter(Household.objects.annotate(n=Count("members")).values_list("n", flat=True))
    housed = sum(n for k, n in sizes.items() if k)
    assert sum(k * n for k, n in sizes.items()) / housed == pytest.approx(2.9, abs=0.2)
    assert sizes[1] / housed == pytest.approx(0.20, abs=0.04)
    assert max(sizes) <= 8  # 7 + at most one planted duplicate

    # Heads first, relations consistent with ages.
    by_household: dict[int, list[Person]] = {}
    for p in sorted(persons, key=lambda p: p.pk):
        if p.household_id:
            by_household.setdefault(p.household_id, []).append(p)
    for members in by_household.values():
        assert members[0].relation == Relation.HEAD
        head = members[0].age
        for m in members:
            if m.relation == Relation.CHILD:
                assert head - m.age >= 16
            elif m.relation == Relation.PARENT:
                assert m.age - head >= 16

    # Grids: community code + 3 digits, named after the community, tiling its synthetic boundary.
    grids = list(Region.objects.filter(level=Level.GRID).select_related("parent"))
    assert len(grids) == result.counts["grids"] >= 87
    for g in grids:
        assert g.parent.level == Level.COMMUNITY
        assert re.fullmatch(re.escape(g.parent.code) + r"\d{3}", g.code)
        assert g.source == "demo" and g.urban_rural == g.parent.urban_rural
        assert re.fullmatch(r".+(社区|村)第\d+网格", g.name)
        assert g.boundary["type"] == "Polygon"
    assert Region.objects.get(code="350504001001001").name == "万福社区第1网格"
    communities = Region.objects.filter(level=Level.COMMUNITY, code__startswith="350504")
    assert communities.count() == 87
    for c in communities:
        assert 24.93 <= c.centroid_lat <= 25.22 and 118.55 <= c.centroid_lon <= 118.80
        assert c.urban_rural == ("urban" if c.name.endswith(("居委会", "社区")) else "rural")
    assert Region.objects.filter(code="350504001", urban_rural="urban").exists()
    assert Region.objects.filter(code="350504100", urban_rural="rural").exists()

    # Buildings: codes, kinds by urban/rural, floors; inside their grid except the planted ones.
    rects = {g.pk: _rect(g.boundary) for g in grids}
    urban = {g.pk for g in grids if g.urban_rural == "urban"}
    outside = []
    for b in Building.objects.all():
        assert re.fullmatch(r"\d{15}B\d{4}", b.code) and b.code.startswith(b.region.code)
        if b.kind == BuildingKind.BUILDING:
            assert b.region_id in urban and 6 <= b.floors <= 33 and b.parent.kind == BuildingKind.ESTATE
        if b.kind == BuildingKind.HOUSE:
            assert b.region_id not in urban and b.parent.kind == BuildingKind.NATURAL_VILLAGE
        r = rects[b.region_id]
        if not (r[0] <= b.lat <= r[1] and r[2] <= b.lon <= r[3]):
            outside.append(b.code)
    assert sorted(outside) == sorted(result.planted["buildings_outside_grid"])
    assert len(outside) == demo.PLANT_OUTSIDE_BUILDINGS

    # The other planted findings: 楼不漏户, 户不漏人, 居不漏格 and duplicate ID numbers.
    leaves = Building.objects.filter(kind__in=[BuildingKind.BUILDING, BuildingKind.HOUSE])
    assert sorted(leaves.filter(households__isnull=True).values_list("code", flat=True)) == sorted(
        result.planted["buildings_without_households"]
    )
    assert len(result.planted["buildings_without_households"]) == demo.PLANT_EMPTY_BUILDINGS
    assert not Building.objects.filter(kind=BuildingKind.ESTATE, households__isnull=False).exists()
    hollow = Household.objects.filter(members__isnull=True)
    assert hollow.count() == demo.PLANT_EMPTY_HOUSEHOLDS
    assert all(re.fullmatch(r"\d{15}H\d{5}", h.code) for h in Household.objects.all())
    loose = Person.objects.filter(household__isnull=True)
    assert loose.count() == demo.PLANT_UNHOUSED_PERSONS
    assert set(loose.values_list("region__level", flat=True)) == {Level.COMMUNITY}
    dup = Person.objects.values("id_number_index").annotate(n=Count("pk")).filter(n__gt=1)
    assert dup.count() == demo.PLANT_DUPLICATE_IDS and {d["n"] for d in dup} == {2}

    # Tags: shares of the population they apply to, validity periods in the past.
    old = sum(a >= 60 for a in ages)
    kinds = Counter(PersonTag.objects.values_list("kind", flat=True))
    assert kinds[TagKind.LIVING_ALONE] / old == pytest.approx(0.10, abs=0.03)
    assert kinds[TagKind.EMPTY_NEST] / old == pytest.approx(0.40, abs=0.05)
    assert kinds[TagKind.DISABLED] / len(persons) == pytest.approx(0.025, abs=0.005)
    # the emergency module's demo step gives a few residents the tags its check list reads
    later = {TagKind.BEDRIDDEN, TagKind.PREGNANT, TagKind.SERIOUS_ILLNESS}
    assert set(kinds) == set(TagKind.values) - later
    assert not PersonTag.objects.filter(valid_from__gt=today).exists()
    assert PersonTag.objects.filter(valid_to__lt=today).exists()
    for t in PersonTag.objects.select_related("person"):
        assert t.valid_from >= t.person.birth_date
        if t.kind == TagKind.DISABLED:
            assert t.disability_category and 1 <= t.disability_grade <= 4
        if t.kind in (TagKind.LIVING_ALONE, TagKind.EMPTY_NEST, TagKind.LEFT_BEHIND_ELDERLY):
            assert t.person.age >= 60

    # Organisations and staff.
    orgs = Counter(Organisation.objects.values_list("kind", flat=True))
    assert orgs[OrganisationKind.COMMITTEE] == 87 and orgs[OrganisationKind.SOCIAL_WORK_STATION] == 6
    departments = set(
        Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT, region__code="350504").values_list(
            "name", flat=True
        )
    )
    assert {f"洛江区{d}" for d in demo.DEPARTMENTS} == departments
    assert (
        set(Organisation.objects.exclude(credit_code="").values_list("credit_code", flat=True)).__len__()
        == Organisation.objects.exclude(credit_code="").count()
    )
    grid_workers = Staff.objects.filter(kind=StaffKind.GRID_WORKER).prefetch_related("grids")
    assert sorted(g.pk for w in grid_workers for g in w.grids.all()) == sorted(g.pk for g in grids)
    assert not Staff.objects.exclude(certificate_level="").filter(certificate_no="").exists()
    assert Staff.objects.filter(kind=StaffKind.SOCIAL_WORKER).exists()
    assert all(s.phone.reveal() for s in Staff.objects.all())
    assert Staff.objects.filter(trainings__isnull=False).exists()
    assert Region.objects.filter(source="demo").exists()  # the header's "演示数据（合成）"


@pytest.mark.django_db
def test_demo_load_is_deterministic_for_a_seed():
    with transaction.atomic():
        demo.demo_load(seed=11, scale=0.01)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not Person.objects.exists()
    with transaction.atomic():
        demo.demo_load(seed=11, scale=0.01)
        again = _snapshot()
        transaction.set_rollback(True)
    demo.demo_load(seed=12, scale=0.01)
    other = _snapshot()
    assert again == first
    assert other["names"] != first["names"]


@pytest.mark.django_db
def test_demo_load_refuses_a_second_load_and_if_empty_skips():
    out = StringIO()
    call_command("demo_load", "--scale", "0.01", stdout=out)
    assert "演示数据加载完成" in out.getvalue() and "人员：" in out.getvalue()
    # the demo accounts exist before the modules' steps, which give their community its work
    assert out.getvalue().index("已创建演示账号") < out.getvalue().index("演示数据已就绪")
    assert User.objects.filter(username__in=["jumin", "wangge", "shequ"]).count() == 3
    n = Person.objects.count()
    out = StringIO()
    call_command("demo_load", "--if-empty", "--scale", "0.01", stdout=out)
    assert "跳过" in out.getvalue()
    with pytest.raises(CommandError, match="重复加载"):
        call_command("demo_load", "--scale", "0.01", stdout=StringIO())
    assert Person.objects.count() == n
    with pytest.raises(CommandError, match="scale"):
        call_command("demo_load", "--scale", "0", stdout=StringIO())


@pytest.mark.django_db
def test_demo_load_only_registry_skips_the_module_steps(monkeypatch):
    from linli.core import demo_steps

    ran: list[str] = []

    def probe(**_kw: object) -> dict[str, int]:
        ran.append("probe")
        return {}

    step = demo_steps.DemoStep(name="probe", label="探针", order=999, run=probe, loaded=lambda: False)
    monkeypatch.setattr(demo_steps, "STEPS", {"probe": step})
    out = StringIO()
    call_command("demo_load", "--scale", "0.002", "--only-registry", stdout=out)
    assert Person.objects.exists() and Staff.objects.exists()
    person = Person.objects.exclude(id_number_index="").order_by("pk").first()
    assert person is not None and len(person.id_number.reveal()) == 18
    assert ran == [] and "--only-registry" in out.getvalue()
    call_command("demo_load", "--if-empty", stdout=StringIO())
    assert ran == ["probe"]


@pytest.mark.django_db
def test_demo_accounts_are_created_idempotently_with_their_scope(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # PBKDF2 would take seconds
    with pytest.raises(CommandError, match="demo_load"):
        call_command("demo_accounts", stdout=StringIO())
    demo.demo_load(scale=0.01)
    accounts = demo.demo_accounts_ensure()
    assert [a["username"] for a in accounts] == [
        "admin",
        "quxian",
        "jiedao",
        "shequ",
        "wangge",
        "bumen",
        "jumin",
        "shequ2",
    ]
    users = {u.username: u for u in User.objects.select_related("region", "organisation", "person")}
    assert len(users) == 8
    assert users["admin"].is_superuser and users["admin"].is_staff and users["admin"].region is None
    expected = {
        "quxian": "350504",
        "jiedao": "350504001",
        "shequ": "350504001001",
        "wangge": "350504001001001",
        "bumen": "350504",
        "jumin": "350504001001",
        "shequ2": "350504001002",
    }
    assert {k: users[k].region.code for k in expected} == expected
    assert users["bumen"].organisation.name.endswith("区民政局")
    assert users["bumen"].organisation.kind == OrganisationKind.DEPARTMENT
    head = users["jumin"].person
    assert head.relation == Relation.HEAD and head.household.region.code == "350504001001001"
    # the demo resident lives with an elderly parent when the grid has such a household (booking for family)
    elderly_parents = Person.objects.filter(
        household__region__code="350504001001001",
        relation=Relation.PARENT,
        birth_date__lte=dt.date(1960, 1, 1),
    ).filter(
        household__members__relation=Relation.HEAD, household__members__birth_date__gt=dt.date(1967, 1, 1)
    )
    if elderly_parents.exists():
        assert head.household.members.filter(relation=Relation.PARENT).exists()
    for u in users.values():
        assert u.check_password(demo.DEMO_PASSWORD)
        assert not users[u.username].is_superuser or u.username == "admin"
        fresh = User.objects.get(pk=u.pk)  # no permission cache
        role = Role(u.role)
        assert fresh.user_permissions.filter(codename="reveal_personal_data").exists() == (
            role in DEFAULT_REVEAL
        )
        assert fresh.user_permissions.filter(codename="export_personal_data").exists() == (
            role in DEFAULT_EXPORT
        )
    assert User.objects.get(username="shequ").has_perm("core.reveal_personal_data")
    assert not User.objects.get(username="jumin").has_perm("core.reveal_personal_data")

    shequ = users["shequ"]
    shequ.set_password("changed-password")
    shequ.role = Role.RESIDENT
    shequ.save()
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    assert "账号" in text and "密码" in text and "角色" in text and "范围" in text and "shequ2" in text
    assert User.objects.count() == 8
    shequ = User.objects.get(username="shequ")
    assert shequ.check_password(demo.DEMO_PASSWORD) and shequ.role == Role.COMMUNITY_WORKER
    assert shequ.user_permissions.count() == 2


@pytest.mark.django_db
def test_a_demo_login_page_lists_the_demo_accounts(settings, client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.delete("linli:demo-loaded")
    assert client.get(reverse("login")).context["demo_accounts"] == []  # no demo: nothing listed
    demo.demo_load(scale=0.01)
    demo.demo_accounts_ensure()
    User.objects.filter(username="shequ2").update(is_active=False)  # a disabled account is not offered
    cache.delete("linli:demo-loaded")
    response = client.get(reverse("login"))
    shown = response.context["demo_accounts"]
    assert [a.username for a in shown] == ["admin", "quxian", "jiedao", "shequ", "wangge", "bumen", "jumin"]
    assert shown[3].role == "社区工作者" and shown[3].place.startswith("万福社区")
    assert shown[5].place.endswith("区民政局")
    html = response.content.decode()
    assert "演示账号" in html and demo.DEMO_PASSWORD in html and "<code>wangge</code>" in html
    cache.delete("linli:demo-loaded")
