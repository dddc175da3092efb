"""区域计数: the counts kept by delta equal a full recount after random registry changes through the
services; the reads sum them over a subtree, in scope only; the rebuild, the command and the pages."""

import datetime as dt
import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from openpyxl import Workbook

from linli.core.engine.idnumber import make
from linli.core.errors import Conflict
from linli.core.models import ImportRun
from linli.registry.models import (
    Building,
    Household,
    Person,
    PersonStatus,
    PersonTag,
    RegionCount,
    RegionCounter,
    StatusEventKind,
    TagKind,
)
from linli.registry.selectors import four_no_miss, region_counts
from linli.registry.services import (
    building_create,
    household_create,
    import_commit,
    import_receive,
    person_create,
    person_set_status,
    person_status_change,
    person_tag_add,
    person_tag_end,
    person_update,
    persons_import,
)
from linli.registry.services import counts as counts_service
from linli.registry.services.counts import region_counts_differences, region_counts_rebuild
from linli.testing.factories import PersonFactory, PersonTagFactory

SQUARE = {  # grid A1's outline: the world's building (24.96, 118.67) lies inside
    "type": "Polygon",
    "coordinates": [[[118.6, 24.9], [118.7, 24.9], [118.7, 25.0], [118.6, 25.0], [118.6, 24.9]]],
}


def _number(rng: random.Random, n: int) -> str:
    return make("350504", dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000)), 500 + n, "M")


def _xlsx(rows: list[list[object]], name: str) -> io.BytesIO:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = name
    return buf


def legacy_twin(p: Person) -> Person:
    """A record of ``p``'s number registered again before the rule (the rule lets only such records be)."""
    twin: Person = PersonFactory.create(
        region=p.region,
        id_number=p.id_number.reveal(),
        sex=p.sex,
        birth_date=p.birth_date,
        legacy_duplicate=True,
    )
    return twin


class Registry:
    """Random changes to the world's registry, each through a service as a page or the API makes it."""

    def __init__(self, world, seed: int):
        self.rng = random.Random(seed)
        self.by = world.accounts.district_admin
        self.grids = [world.tree.grid_a1, world.tree.grid_a2, world.tree.grid_b1, world.tree.grid_c1]
        self.community_b = world.tree.community_b
        self.n = 0
        self.refused = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def building(self) -> None:
        grid = self.rng.choice(self.grids)
        lat, lon = self.rng.choice([("24.95", "118.65"), ("25.5", "118.65"), ("", "")])
        kind = self.rng.choice(["楼栋", "楼栋", "小区", "自建房"])
        building_create(
            by=self.by,
            data={
                "code": f"RB{self._next()}",
                "name": f"随机楼{self.n}",
                "kind": kind,
                "region_code": grid.code,
                "lat": lat,
                "lon": lon,
            },
        )

    def household(self) -> None:
        grid = self.rng.choice(self.grids)
        buildings = list(
            Building.objects.filter(region=grid)
            .exclude(kind="estate")
            .order_by("code")
            .values_list("code", flat=True)
        )
        code = self.rng.choice([*buildings, ""]) if buildings else ""
        household_create(
            by=self.by, data={"code": f"RH{self._next()}", "region_code": grid.code, "building_code": code}
        )

    def person(self) -> None:
        households = list(Household.objects.order_by("code").values_list("code", flat=True))
        data = {"name": f"随机{self._next()}", "id_number": _number(self.rng, self.n)}
        if households and self.rng.random() < 0.7:
            data["household_code"] = self.rng.choice(households)
        else:  # at a grid, or at a community (in no grid yet)
            data["region_code"] = self.rng.choice([*self.grids, self.community_b]).code
        person_create(by=self.by, data=data)

    def _some_person(self, **filters) -> Person | None:
        pks = list(Person.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))
        return (
            Person.objects.select_related("region", "household").get(pk=self.rng.choice(pks)) if pks else None
        )

    def move(self) -> None:
        p = self._some_person()
        if p is None:
            return
        households = list(Household.objects.order_by("code").values_list("code", flat=True))
        if households and self.rng.random() < 0.6:
            data = {"household_code": self.rng.choice(households)}
        else:
            data = {"household_code": "", "region_code": self.rng.choice(self.grids).code}
        person_update(by=self.by, person=p, data=data)

    def renumber(self) -> None:
        p = self._some_person(status=PersonStatus.ACTIVE)
        if p is not None:
            person_update(by=self.by, person=p, data={"id_number": _number(self.rng, self._next())})

    def status(self) -> None:
        alone = (  # the last one registered in a household: the household empties
            Household.objects.annotate(k=Count("members", filter=Q(members__status=PersonStatus.ACTIVE)))
            .filter(k=1)
            .values("pk")
        )
        p = self._some_person(
            status=PersonStatus.ACTIVE, **({"household__in": alone} if self.rng.random() < 0.5 else {})
        )
        if p is not None:
            kind = self.rng.choice([StatusEventKind.MOVED_OUT, StatusEventKind.DECEASED])
            person_status_change(by=self.by, person=p, kind=kind, on=dt.date(2025, 1, 1))

    def back(self) -> None:
        p = self._some_person(status=PersonStatus.MOVED_OUT)
        if p is None:
            return
        try:
            if self.rng.random() < 0.5:
                person_status_change(
                    by=self.by, person=p, kind=StatusEventKind.MOVED_IN, on=dt.date(2025, 6, 1)
                )
            else:
                person_set_status(by=self.by, person=p, status=PersonStatus.ACTIVE)
        except Conflict:  # the number was registered again meanwhile
            pass

    def twin(self) -> None:
        """A record of a number registered twice before the rule (the rule lets only such records be)."""
        p = self._some_person(status=PersonStatus.ACTIVE)
        if p is not None and p.id_number:
            legacy_twin(p)

    def tag(self) -> None:
        """A care tag of 重点人群, begun (counted) or beginning next month (not yet)."""
        p = self._some_person(status=PersonStatus.ACTIVE)
        if p is None:
            return
        kind = self.rng.choice([TagKind.DIBAO, TagKind.VETERAN, TagKind.LIVING_ALONE, TagKind.EMPTY_NEST])
        start = self.rng.choice([dt.date(2025, 1, 1), timezone.localdate() + dt.timedelta(days=30)])
        person_tag_add(by=self.by, person=p, kind=kind, valid_from=start)

    def tag_end(self) -> None:
        """An open tag ended yesterday (no longer counted) or at the end of next month (still counted)."""
        tags = list(PersonTag.objects.filter(valid_to__isnull=True).order_by("pk"))
        if not tags:
            return
        t = self.rng.choice(tags)
        end = self.rng.choice(
            [timezone.localdate() - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=60)]
        )
        person_tag_end(by=self.by, tag=t, valid_to=max(end, t.valid_from))

    def household_move(self) -> None:
        """An update-mode import moving a household to another building or grid of its community."""
        pks = list(Household.objects.order_by("pk").values_list("pk", flat=True))
        if not pks:
            return
        h = Household.objects.select_related("region").get(pk=self.rng.choice(pks))
        community = h.region.code[:12]
        targets = [g for g in self.grids if g.code.startswith(community)]
        grid = self.rng.choice(targets) if targets else h.region
        buildings = list(
            Building.objects.filter(region__code__startswith=community)
            .exclude(kind="estate")
            .order_by("code")
            .values_list("code", flat=True)
        )
        building = self.rng.choice([*buildings, ""])
        f = _xlsx([["户编号", "所属网格编码", "楼栋编码"], [h.code, grid.code, building]], "户.xlsx")
        dry = import_receive(kind="households", mode="update", upload=f, filename="户.xlsx", by=self.by)
        if dry.confirmable:
            assert import_commit(run=dry, by=self.by).status == ImportRun.Status.DONE

    def persons_file(self) -> None:
        """A whole-file import of new persons (create mode): its communities are recounted."""
        grid = self.rng.choice(self.grids)
        body = "姓名,公民身份号码,联系电话,户编号,与户主关系,所属网格编码\n" + "".join(
            f"导入{self._next()},{_number(self.rng, self.n)},,,,{grid.code}\n" for _ in range(3)
        )
        out = persons_import(raw=io.BytesIO(body.encode()), filename="p.csv", by=self.by)
        assert out.run.status == ImportRun.Status.DONE, out.report.as_dicts()

    def step(self) -> None:
        ops = [
            self.building,
            self.household,
            self.household,
            self.person,
            self.person,
            self.person,
            self.move,
            self.renumber,
            self.status,
            self.status,
            self.back,
            self.twin,
            self.household_move,
            self.tag,
            self.tag,
            self.tag_end,
        ]
        try:
            with transaction.atomic():  # a refused change leaves nothing behind, as a request would
                self.rng.choice(ops)()
        except (ValidationError, Conflict):
            self.refused += 1


def _prepare(world) -> None:
    grid = world.tree.grid_a1
    grid.boundary = SQUARE
    grid.save()
    region_counts_rebuild()  # the outline was drawn outside the registry's services
    assert region_counts_differences() == {}


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_counts_equal_a_full_recount_after_random_changes(world, seed):
    _prepare(world)
    registry = Registry(world, seed)
    # first, as its recount of the file's community would hide a wrong delta of the changes before it
    registry.persons_file()
    for _ in range(100):
        registry.step()
    assert region_counts_differences() == {}
    # every counter was exercised by some seed's changes
    assert RegionCount.objects.filter(counter=RegionCounter.PERSONS_ACTIVE, n__gt=0).exists()
    assert RegionCount.objects.filter(counter__startswith="tagged_", n__gt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_kept_counts_equal_a_recount_with_committed_writes(world):
    """Each write commits on its own (on PostgreSQL the import is the streaming COPY path)."""
    _prepare(world)
    registry = Registry(world, 7)
    for op in [
        registry.building,
        registry.household,
        registry.person,
        registry.persons_file,
        registry.status,
    ]:
        op()
    registry.twin()
    registry.move()
    registry.household_move()
    assert region_counts_differences() == {}


@pytest.mark.django_db
def test_a_refused_write_changes_no_count(world):
    region_counts_rebuild()
    before = list(RegionCount.objects.values_list("region_id", "counter", "n"))
    head = world.people.head
    with pytest.raises(Conflict):  # the number of someone registered
        person_create(
            by=world.accounts.district_admin,
            data={
                "name": "重号",
                "id_number": head.id_number.reveal(),
                "region_code": world.tree.grid_a1.code,
            },
        )
    assert list(RegionCount.objects.values_list("region_id", "counter", "n")) == before


@pytest.mark.django_db
def test_counts_roll_up_over_the_subtree_in_scope_only(world):
    t = world.tree
    region_counts_rebuild()
    city = region_counts(user=world.accounts.district_admin, code=t.district.code)
    assert city[RegionCounter.PERSONS_ACTIVE] == Person.objects.filter(status="active").count() == 6
    assert city[RegionCounter.HOUSEHOLDS] == 1 and city[RegionCounter.BUILDINGS] == 1
    # a community worker of A reads the district's figures as A's: the rest reads like absent
    mine = region_counts(user=world.accounts.community_worker, code=t.district.code)
    assert (
        mine[RegionCounter.PERSONS_ACTIVE]
        == Person.objects.filter(region__code__startswith=t.community_a.code).count()
    )
    assert (
        region_counts(user=world.accounts.community_worker_b, code=t.community_a.code)[
            RegionCounter.PERSONS_ACTIVE
        ]
        == 0
    )


@pytest.mark.django_db
def test_rebuild_of_some_subtrees_leaves_the_others(world):
    t = world.tree
    region_counts_rebuild()
    RegionCount.objects.filter(region=t.grid_c1).update(n=99)
    RegionCount.objects.filter(region=t.grid_a1).update(n=99)
    region_counts_rebuild(codes=[t.community_a.code])
    assert set(RegionCount.objects.filter(region=t.grid_a1).values_list("n", flat=True)) != {99}
    assert set(RegionCount.objects.filter(region=t.grid_c1).values_list("n", flat=True)) == {99}
    assert set(region_counts_differences(codes=[t.community_a.code])) == set()
    assert region_counts_differences(codes=[t.community_c.code])


@pytest.mark.django_db
def test_command_rebuilds_and_checks(world, capsys):
    RegionCount.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("registry_counts", "--check")
    call_command("registry_counts")
    call_command("registry_counts", "--check")
    assert "不一致 0 项" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("registry_counts", "35x")


@pytest.mark.django_db
def test_four_no_miss_reads_the_counts_not_the_registry(world, django_assert_max_num_queries):
    t = world.tree
    PersonFactory(region=t.community_b, name="未入格")
    with django_assert_max_num_queries(2):  # the children, then one grouped query of the counts
        rows, total = four_no_miss(user=world.accounts.district_admin, region=t.district)
    assert total.counts["persons_without_grid"] == 1
    assert {r.region.code: r.counts["persons_without_grid"] for r in rows}[t.street.code] == 1


@pytest.mark.django_db
def test_a_tag_made_by_the_factory_counts_as_the_tag_services_count_it(world):
    _prepare(world)
    PersonTagFactory(person=world.people.head, kind=TagKind.DIBAO)
    PersonTagFactory(person=world.people.head, kind=TagKind.BEDRIDDEN)  # not a counted tag
    assert region_counts_differences() == {}
    kept = RegionCount.objects.filter(counter=RegionCounter.TAGGED_DIBAO).values_list("n", flat=True)
    assert list(kept) == [1]


@pytest.mark.django_db
def test_rebuild_without_duplicates_keeps_their_counts_and_recounts_the_rest(world):
    """What an import's recount does: the 重复登记 rows stay as they were, every other counter is
    recounted."""
    t = world.tree
    p = world.people.head
    legacy_twin(p)
    region_counts_rebuild()
    duplicates = RegionCount.objects.filter(counter=RegionCounter.PERSONS_DUPLICATE)
    kept = set(duplicates.values_list("region_id", "n"))
    assert kept
    duplicates.update(n=7)
    RegionCount.objects.filter(counter=RegionCounter.PERSONS_ACTIVE).update(n=99)
    region_counts_rebuild(codes=[c.code for c in t.communities], duplicates=False)
    assert set(duplicates.values_list("n", flat=True)) == {7}
    duplicates.update(n=0)  # as recounted: only the duplicates differ
    assert {k[1] for k in region_counts_differences()} == {RegionCounter.PERSONS_DUPLICATE}


@pytest.mark.django_db
@pytest.mark.parametrize("by_id_up_to", [500, 0], ids=["by id", "every region read"])
def test_every_kept_row_carries_its_regions_code_and_a_wrong_one_is_a_difference(
    world, monkeypatch, by_id_up_to
):
    """The readers sum by the row's own copy of the code: the deltas and the rebuild both write it
    (the codes looked up by id, or read from every region when there are many), and a row whose copy
    is not its region's reads as a difference from the recount."""
    monkeypatch.setattr(counts_service, "CODES_BY_ID_UP_TO", by_id_up_to)
    t = world.tree
    RegionCount.objects.all().delete()
    region_counts_rebuild()
    PersonFactory(region=t.grid_a1)  # a delta on an existing row, and rows it may create
    rows = RegionCount.objects.select_related("region")
    assert rows.exists()
    assert all(r.code == r.region.code for r in rows)
    assert region_counts_differences() == {}
    RegionCount.objects.filter(region=t.grid_a1).update(code=t.grid_c1.code)
    assert {k[0] for k in region_counts_differences()} == {t.grid_a1.pk}
