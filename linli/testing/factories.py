"""factory_boy factories and the standard test world, shared by every test (API, pages, browser).

The standard world (``build_world``) is a small piece of the real 2023 statistical division:

    35 福建省 → 3505 泉州市 → 350504 洛江区
      ├─ 350504001 万安街道 (urban)
      │    ├─ 350504001001 万福社区居委会  = community A → grids A1 …001001001, A2 …001001002
      │    └─ 350504001002 桥南社区居委会  = community B → grids B1, B2
      └─ 350504100 罗溪镇 (rural)
           ├─ 350504100201 双溪村委会      = community C → grids C1, C2
           └─ 350504100202 后溪村委会      = community D → grids D1, D2

with a building and a three-person household in grid A1 (the resident account is its head), a
person in A2, one in B1 and one in C1, and one account of each role (``Accounts``).

Factories work alone too: without a ``region`` they place rows in grid A1 of the standard tree
(``build_region_tree`` is idempotent). ID numbers are valid GB 11643 numbers from
``linli.core.engine.idnumber.make``; users get their role's default personal-data permissions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import factory
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from linli.core.engine import idnumber
from linli.core.models import ApiToken, User
from linli.core.personal import cipher
from linli.core.roles import DEFAULT_EXPORT, DEFAULT_REVEAL, Role
from linli.regions.models import CODE_LENGTH, Level, Region, UrbanRural
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
from linli.registry.services.counts import CountsDelta, counts_kept

PASSWORD = "linli-test-pass-2024"

# (code, name, urban/rural) of the standard tree, parents before children.
TREE: list[tuple[str, str, str]] = [
    ("35", "福建省", ""),
    ("3505", "泉州市", ""),
    ("350504", "洛江区", ""),
    ("350504001", "万安街道", ""),
    ("350504100", "罗溪镇", ""),
    ("350504001001", "万福社区居委会", UrbanRural.URBAN),
    ("350504001002", "桥南社区居委会", UrbanRural.URBAN),
    ("350504100201", "双溪村委会", UrbanRural.RURAL),
    ("350504100202", "后溪村委会", UrbanRural.RURAL),
]
GRIDS_PER_COMMUNITY = 2


@dataclass
class RegionTree:
    province: Region
    city: Region
    district: Region
    street: Region  # 万安街道 (urban): communities A and B
    town: Region  # 罗溪镇 (rural): communities C and D
    community_a: Region
    community_b: Region
    community_c: Region
    community_d: Region
    grids: dict[str, list[Region]] = field(default_factory=dict)  # community code → its grids

    @property
    def streets(self) -> list[Region]:
        return [self.street, self.town]

    @property
    def communities(self) -> list[Region]:
        return [self.community_a, self.community_b, self.community_c, self.community_d]

    @property
    def grid_a1(self) -> Region:
        return self.grids[self.community_a.code][0]

    @property
    def grid_a2(self) -> Region:
        return self.grids[self.community_a.code][1]

    @property
    def grid_b1(self) -> Region:
        return self.grids[self.community_b.code][0]

    @property
    def grid_c1(self) -> Region:
        return self.grids[self.community_c.code][0]

    def all(self) -> list[Region]:
        return [
            self.province,
            self.city,
            self.district,
            *self.streets,
            *self.communities,
            *(g for gs in self.grids.values() for g in gs),
        ]


def _level_of(code: str) -> int:
    return {
        2: Level.PROVINCE,
        4: Level.CITY,
        6: Level.DISTRICT,
        9: Level.STREET,
        12: Level.COMMUNITY,
        15: Level.GRID,
    }[len(code)]


def build_region_tree() -> RegionTree:
    """The standard tree (get-or-create: calling it twice gives the same rows)."""
    by_code: dict[str, Region] = {}
    rows = list(TREE)
    for code, _, ur in TREE:
        if len(code) == 12:
            rows += [(f"{code}{i:03d}", f"第{i}网格", ur) for i in range(1, GRIDS_PER_COMMUNITY + 1)]
    for code, name, ur in rows:
        parent = by_code.get(code[: {2: 0, 4: 2, 6: 4, 9: 6, 12: 9, 15: 12}[len(code)]])
        region, _ = Region.objects.current().get_or_create(
            code=code,
            defaults={
                "name": name if len(code) < 15 else f"{by_code[code[:12]].name[:4]}{name}",
                "level": _level_of(code),
                "parent": parent,
                "urban_rural": ur,
                "source": "test",
            },
        )
        by_code[code] = region
    communities = [by_code[c] for c, _, _ in TREE if len(c) == 12]
    return RegionTree(
        province=by_code["35"],
        city=by_code["3505"],
        district=by_code["350504"],
        street=by_code["350504001"],
        town=by_code["350504100"],
        community_a=communities[0],
        community_b=communities[1],
        community_c=communities[2],
        community_d=communities[3],
        grids={
            c.code: [by_code[f"{c.code}{i:03d}"] for i in range(1, GRIDS_PER_COMMUNITY + 1)]
            for c in communities
        },
    )


def default_grid() -> Region:
    """Grid A1 of the standard tree (created on first use)."""
    return build_region_tree().grid_a1


class RegionFactory(DjangoModelFactory[Region]):
    """A region one level under ``parent`` (default: community A, giving a new grid)."""

    class Meta:
        model = Region

    parent = factory.LazyFunction(lambda: build_region_tree().community_a)
    level = factory.LazyAttribute(lambda o: Level(o.parent.level + 1))
    code = factory.LazyAttributeSequence(
        lambda o, n: o.parent.code + f"{(700 + n) % 10 ** _width(o):0{_width(o)}d}"
    )
    name = factory.Sequence(lambda n: f"测试区划{n}")
    urban_rural = factory.LazyAttribute(lambda o: o.parent.urban_rural)
    source = "test"


def _width(o: Any) -> int:
    return CODE_LENGTH[Level(o.level)] - len(o.parent.code)


def _as_loaded(obj: Any, *fields: str) -> Any:
    """Give encrypted fields the ``SensitiveValue`` a row read from the database has (masked ``str()``)."""
    for name in fields:
        setattr(obj, name, obj._meta.get_field(name).to_python(getattr(obj, name)))
    return obj


def _birth(n: int) -> dt.date:
    return dt.date(1940, 1, 1) + dt.timedelta(days=(n * 97) % 27000)


_batch: list[CountsDelta] = []  # the open ``counts_batch`` (at most one)


@contextmanager
def counts_batch() -> Iterator[None]:
    """Rows made by the factories inside the block keep the counts by one delta at its end, not one a
    row (the same numbers: rows that existed are watched before their first change, the block's own
    rows count nothing before). Every test's world is built so."""
    if _batch:
        yield
        return
    with transaction.atomic():
        _batch.append(CountsDelta())
        try:
            yield
            _batch[0].apply()
        finally:
            _batch.clear()


def _counted(kind: str, create: Any, **watch: Any) -> Any:
    """Create a row the way the registry's services do, keeping the counts (``RegionCount``):
    ``kind`` is what the row is to ``CountsDelta.created`` (persons, households, buildings)."""
    if _batch:
        _batch[0].watch(**watch)
        obj = create()
        _batch[0].created(**{kind: [obj.pk]})
        return obj
    with transaction.atomic(), counts_kept(**watch) as counts:
        obj = create()
        counts.created(**{kind: [obj.pk]})
    return obj


class BuildingFactory(DjangoModelFactory[Building]):
    class Meta:
        model = Building

    code = factory.Sequence(lambda n: f"B{n:06d}")
    name = factory.Sequence(lambda n: f"阳光花园{n}号楼")
    kind = BuildingKind.BUILDING
    region = factory.LazyFunction(default_grid)
    address = factory.LazyAttribute(lambda o: f"{o.region.name}{o.name}")
    lat = 24.96
    lon = 118.67
    floors = 6

    @classmethod
    def _create(cls, model_class: type[Building], *args: Any, **kwargs: Any) -> Building:
        return _counted(
            "buildings", lambda: super(BuildingFactory, cls)._create(model_class, *args, **kwargs)
        )


class HouseholdFactory(DjangoModelFactory[Household]):
    class Meta:
        model = Household

    code = factory.Sequence(lambda n: f"H{n:06d}")
    building = None
    region = factory.LazyAttribute(lambda o: o.building.region if o.building else default_grid())
    unit = "1单元"
    room = factory.Sequence(lambda n: f"{101 + n % 600}")
    address = factory.LazyAttribute(
        lambda o: f"{o.building.address if o.building else o.region.name}{o.unit}{o.room}"
    )

    @classmethod
    def _create(cls, model_class: type[Household], *args: Any, **kwargs: Any) -> Household:
        building = kwargs.get("building")
        return _counted(
            "households",
            lambda: super(HouseholdFactory, cls)._create(model_class, *args, **kwargs),
            buildings=[building.pk if building else kwargs.get("building_id")],
        )


class PersonFactory(DjangoModelFactory[Person]):
    """A person with a valid ID number (area 350504) matching its sex and birth date."""

    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试居民{n}")
    sex = factory.Sequence(lambda n: "M" if n % 2 else "F")
    birth_date = factory.LazyAttributeSequence(
        lambda o, n: dt.date(timezone.localdate().year - o.age, 1, 1) if o.age is not None else _birth(n)
    )
    id_number = factory.LazyAttributeSequence(lambda o, n: idnumber.make("350504", o.birth_date, n, o.sex))
    phone = factory.Sequence(lambda n: f"138{n % 100_000_000:08d}")
    household = None
    relation = factory.LazyAttribute(lambda o: Relation.OTHER if o.household else "")
    region = factory.LazyAttribute(lambda o: o.household.region if o.household else default_grid())

    class Params:
        age = None  # PersonFactory(age=82): born on 1 January, that many years ago

    @classmethod
    def _create(cls, model_class: type[Person], *args: Any, **kwargs: Any) -> Person:
        household = kwargs.get("household")
        number = kwargs.get("id_number")
        person = _counted(
            "persons",
            lambda: super(PersonFactory, cls)._create(model_class, *args, **kwargs),
            households=[household.pk if household else kwargs.get("household_id")],
            id_indexes=cipher().blind_indexes(str(number)) if isinstance(number, str) and number else [],
        )
        return _as_loaded(person, "id_number", "phone")


class PersonTagFactory(DjangoModelFactory[PersonTag]):
    class Meta:
        model = PersonTag

    person = factory.SubFactory(PersonFactory)
    kind = TagKind.LIVING_ALONE
    valid_from = dt.date(2020, 1, 1)
    valid_to = None

    @classmethod
    def _create(cls, model_class: type[PersonTag], *args: Any, **kwargs: Any) -> PersonTag:
        """A tag counts at its person (``RegionCounter.TAGGED_*``), kept as the tag services keep it."""
        watch = {"persons": [kwargs["person"].pk]}
        if _batch:
            _batch[0].watch(**watch)
            return super()._create(model_class, *args, **kwargs)
        with transaction.atomic(), counts_kept(**watch):
            return super()._create(model_class, *args, **kwargs)


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试组织{n}")
    kind = OrganisationKind.SOCIAL_ORG
    region = factory.LazyFunction(lambda: build_region_tree().community_a)
    contact_phone = "0595-22000000"


class StaffFactory(DjangoModelFactory[Staff]):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试工作人员{n}")
    kind = StaffKind.COMMUNITY_WORKER
    post = "社区工作者"
    region = factory.LazyFunction(lambda: build_region_tree().community_a)
    phone = factory.Sequence(lambda n: f"139{n % 100_000_000:08d}")

    @classmethod
    def _create(cls, model_class: type[Staff], *args: Any, **kwargs: Any) -> Staff:
        return _as_loaded(super()._create(model_class, *args, **kwargs), "phone")

    @factory.post_generation
    def grids(self, create: bool, extracted: list[Region] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.grids.set(extracted)


def grant_default_permissions(user: User) -> None:
    """The personal-data permissions a role has by default (roles.DEFAULT_REVEAL / DEFAULT_EXPORT)."""
    codenames = []
    if user.role in DEFAULT_REVEAL:
        codenames.append("reveal_personal_data")
    if user.role in DEFAULT_EXPORT:
        codenames.append("export_personal_data")
    if codenames:
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="core", codename__in=codenames)
        )


class UserFactory(DjangoModelFactory[User]):
    """An account; ``default_permissions=False`` skips the role's default reveal/export grants."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试账号{n}")
    role = Role.COMMUNITY_WORKER
    region = factory.LazyFunction(lambda: build_region_tree().community_a)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def default_permissions(self, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        if create and extracted is not False:
            grant_default_permissions(cast(User, self))  # factory_boy passes the created account


def issue_token(user: User, name: str = "测试系统") -> str:
    """A fresh API key for ``user``."""
    return ApiToken.issue(user=user, name=name)[1]


@dataclass
class People:
    """The standard persons: a household of three in grid A1, and one person each in A2, B1 and C1."""

    building: Building
    household: Household
    head: Person  # the resident account's own record
    spouse: Person
    child: Person
    in_a2: Person
    in_b: Person
    in_c: Person

    def all(self) -> list[Person]:
        return [self.head, self.spouse, self.child, self.in_a2, self.in_b, self.in_c]


def build_people(tree: RegionTree) -> People:
    building = BuildingFactory.create(
        code="350504001001001B0001",
        name="阳光花园1号楼",
        region=tree.grid_a1,
        address="万安街道万福社区阳光花园1号楼",
    )
    household = HouseholdFactory.create(
        code="350504001001001H00001", building=building, region=tree.grid_a1, unit="1单元", room="101"
    )
    return People(
        building=building,
        household=household,
        head=PersonFactory.create(
            name="林建国",
            sex="M",
            birth_date=dt.date(1958, 3, 14),
            household=household,
            relation=Relation.HEAD,
            phone="13859001234",
        ),
        spouse=PersonFactory.create(
            name="陈秀英",
            sex="F",
            birth_date=dt.date(1960, 7, 2),
            household=household,
            relation=Relation.SPOUSE,
        ),
        child=PersonFactory.create(
            name="林晓东",
            sex="M",
            birth_date=dt.date(1988, 11, 20),
            household=household,
            relation=Relation.CHILD,
        ),
        in_a2=PersonFactory.create(
            name="黄美玲", sex="F", birth_date=dt.date(1975, 5, 5), region=tree.grid_a2
        ),
        in_b=PersonFactory.create(
            name="郑志强", sex="M", birth_date=dt.date(1969, 9, 9), region=tree.grid_b1
        ),
        in_c=PersonFactory.create(
            name="苏阿婆", sex="F", birth_date=dt.date(1938, 1, 23), region=tree.grid_c1
        ),
    )


@dataclass
class Accounts:
    """One account of each role, bound where that role normally sits."""

    resident: User  # linked to People.head, community A
    grid_worker: User  # grid A1
    community_worker: User  # community A
    community_worker_b: User  # community B
    street_coordinator: User  # 万安街道
    department_handler: User  # 洛江区, organisation 洛江区民政局
    district_admin: User  # 洛江区
    system_admin: User  # no region: everything

    def all(self) -> list[User]:
        return [
            self.resident,
            self.grid_worker,
            self.community_worker,
            self.community_worker_b,
            self.street_coordinator,
            self.department_handler,
            self.district_admin,
            self.system_admin,
        ]


def build_accounts(tree: RegionTree, people: People | None = None) -> Accounts:
    department = OrganisationFactory.create(
        name="洛江区民政局", kind=OrganisationKind.DEPARTMENT, region=tree.district
    )
    return Accounts(
        resident=UserFactory.create(
            username="resident",
            display_name="林建国",
            role=Role.RESIDENT,
            region=tree.community_a,
            person=people.head if people else None,
        ),
        grid_worker=UserFactory.create(
            username="grid_worker", display_name="网格员小王", role=Role.GRID_WORKER, region=tree.grid_a1
        ),
        community_worker=UserFactory.create(
            username="community_worker",
            display_name="万福社工",
            role=Role.COMMUNITY_WORKER,
            region=tree.community_a,
        ),
        community_worker_b=UserFactory.create(
            username="community_worker_b",
            display_name="桥南社工",
            role=Role.COMMUNITY_WORKER,
            region=tree.community_b,
        ),
        street_coordinator=UserFactory.create(
            username="street_coordinator",
            display_name="万安街道协调员",
            role=Role.STREET_COORDINATOR,
            region=tree.street,
        ),
        department_handler=UserFactory.create(
            username="department_handler",
            display_name="民政局办理人",
            role=Role.DEPARTMENT_HANDLER,
            region=tree.district,
            organisation=department,
        ),
        district_admin=UserFactory.create(
            username="district_admin", display_name="区管理员", role=Role.DISTRICT_ADMIN, region=tree.district
        ),
        system_admin=UserFactory.create(
            username="system_admin", display_name="系统管理员", role=Role.SYSTEM_ADMIN, region=None
        ),
    )


@dataclass
class World:
    tree: RegionTree
    people: People
    accounts: Accounts


def build_world() -> World:
    with counts_batch():
        tree = build_region_tree()
        people = build_people(tree)
        return World(tree=tree, people=people, accounts=build_accounts(tree, people))
