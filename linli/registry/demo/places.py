"""Places of the demo: one community's households, grids and buildings (小区 and 楼栋 in town,
自然村 and 自建房 in the villages), and the defects planted for the four-no-miss audit."""

from __future__ import annotations

from typing import cast

from linli.core.personal import SensitiveValue
from linli.regions.models import Level, Region, UrbanRural
from linli.registry.demo.composition import (
    Rect,
    community_tiles,
    household_compose,
    point_in,
    rect_polygon,
    split_rect,
)
from linli.registry.demo.data import (
    ADDRESS_PREFIX,
    DEMO_SOURCE,
    ESTATE_HEADS,
    ESTATE_TAILS,
    HOUSEHOLD_SIZE,
    HOUSEHOLDS_PER_GRID,
    LOCAL_SURNAMES,
    M_PER_DEG_LAT,
    MINORITY,
    NATIONAL_SURNAMES,
    PLANT_DUPLICATE_IDS,
    PLANT_EMPTY_BUILDINGS,
    PLANT_EMPTY_HOUSEHOLDS,
    PLANT_OUTSIDE_BUILDINGS,
    PLANT_UNHOUSED_PERSONS,
    RESIDENCE,
    ROADS,
    VILLAGE_CORES,
    VILLAGE_HEADS,
    community_short_name,
)
from linli.registry.demo.people import _People
from linli.registry.demo.state import _BuildingRef, _Fact, _GridRef, _Pending, _Rooms
from linli.registry.models import Building, BuildingKind, Household, Person, Relation, ResidenceType


class _Places(_People):
    """Communities, grids, buildings and households; the planted defects."""

    def community(self, community: Region, street: Region, slot: Rect, target: int, urban: bool) -> None:
        s = self.s
        rural = not urban
        short = community_short_name(community.name)
        # Households first: their number decides the grids.
        pending: list[_Pending] = []
        # Villages in 泉州 are often clan villages: one surname carries a third of the people.
        local = LOCAL_SURNAMES.boosted(s.weighted(LOCAL_SURNAMES), 0.3) if rural else LOCAL_SURNAMES
        people = 0
        while people < target:
            members, skipped = household_compose(s, s.weighted(HOUSEHOLD_SIZE), rural)
            residence: str = s.weighted(RESIDENCE[urban])
            ethnicity = "汉族" if s.chance(0.99) else s.weighted(MINORITY)
            names = NATIONAL_SURNAMES if residence == ResidenceType.FLOATING else local
            pending.append((members, skipped, residence, ethnicity, names))
            people += len(members)
        n_grids = max(1, round(len(pending) / HOUSEHOLDS_PER_GRID))
        rect, tiles = community_tiles(s, slot, n_grids, urban)
        community.centroid_lat = round((rect[0] + rect[1]) / 2, 6)
        community.centroid_lon = round((rect[2] + rect[3]) / 2, 6)
        community.boundary = rect_polygon(rect)
        if not community.urban_rural:
            community.urban_rural = UrbanRural.URBAN if urban else UrbanRural.RURAL

        grid_rows = [
            Region(
                code=f"{community.code}{i + 1:03d}",
                name=f"{short}第{i + 1}网格",
                level=Level.GRID,
                parent=community,
                source=DEMO_SOURCE,
                urban_rural=community.urban_rural,
                boundary=rect_polygon(t),
                centroid_lat=round((t[0] + t[1]) / 2, 6),
                centroid_lon=round((t[2] + t[3]) / 2, 6),
            )
            for i, t in enumerate(tiles)
        ]
        Region.objects.bulk_create(grid_rows)
        self.counts["grids"] += len(grid_rows)

        # Households are split among the grids in order, then given a building and a room.
        per_grid = [
            len(pending) // n_grids + (1 if i < len(pending) % n_grids else 0) for i in range(n_grids)
        ]
        base = len(self.hh_pk)
        self.hh_pk += [0] * len(pending)
        self.hh_region += [0] * len(pending)
        start = 0
        for grid, tile, n in zip(grid_rows, tiles, per_grid, strict=True):
            ref = _GridRef(grid.pk, grid.code, tile, community, urban)
            self.grids.append(ref)
            idx = list(range(start, start + n))
            start += n
            leaves = (
                self.place_urban(ref, street, idx) if urban else self.place_rural(ref, street, short, idx)
            )
            for b, rooms in leaves:
                for i, unit, room in rooms:
                    self.hh_pk[base + i] = self.households.add(
                        f"{ref.code}H{ref.next_household:05d}",
                        ref.pk,
                        b.pk,
                        unit,
                        room,
                        b.address + (f"{unit}{room}室" if unit else room),
                        self.now,
                    )
                    self.hh_region[base + i] = ref.pk
                    ref.next_household += 1

        count = 0
        for i, (members, skipped, residence, ethnicity, names) in enumerate(pending):
            h = base + i
            family = s.weighted(names)
            head_sex = members[0][2]
            has_spouse = any(r == Relation.SPOUSE for r, _, _ in members)
            all_old = all(a >= 60 for _, a, _ in members)
            ids = []
            for rel, age, sex in members:
                # Who carries the family surname: the men of the head couple, their children and grandchildren.
                blood = (
                    rel in (Relation.CHILD, Relation.GRANDCHILD)
                    or (sex == "M" and rel in (Relation.HEAD, Relation.SPOUSE))
                    or (rel == Relation.PARENT and sex == "M" and head_sex == "M")
                    or (rel == Relation.HEAD and not has_spouse)
                )
                res = residence
                if (
                    residence == ResidenceType.REGISTERED
                    and rel in (Relation.SPOUSE, Relation.CHILD_IN_LAW)
                    and s.chance(0.1)
                ):
                    res = ResidenceType.RESIDENT  # married in, 户口 still elsewhere
                pk, birth = self.person(
                    surname=family if blood else s.weighted(names),
                    relation=rel,
                    age=age,
                    sex=sex,
                    residence=res,
                    ethnicity=ethnicity,
                    region_pk=self.hh_region[h],
                    household_pk=self.hh_pk[h],
                )
                ids.append(len(self.facts))
                self.facts.append(
                    _Fact(pk, age, sex, birth, rural, h, rel, all_old, len(members) == 1, skipped)
                )
                count += 1
            self.hh_members.append(ids)
            self.hh_rural.append(rural)
        self.community_people[community.pk] = count
        for table in (self.buildings, self.households, self.persons):
            table.flush()

    def building(
        self,
        ref: _GridRef,
        *,
        name: str,
        kind: str,
        parent: _BuildingRef | None,
        address: str,
        lat: float,
        lon: float,
        floors: int | None = None,
        planted: bool = False,
    ) -> _BuildingRef:
        """Queue a building of the grid; keep a few as candidates for the planted defects."""
        code = f"{ref.code}B{ref.next_building:04d}"
        ref.next_building += 1
        pk = self.buildings.add(
            code, name, kind, parent.pk if parent else None, ref.pk, address, lat, lon, floors, self.now
        )
        b = _BuildingRef(pk, code, name, address, floors)
        if parent is None:
            ref.parents.append(b)
        elif len(ref.leaves) < 8 and not planted:
            ref.leaves.append(b)
        return b

    def estate_name(self) -> str:
        """A 小区 name not yet used in the district (二期, 三期… once the combinations run out)."""
        if not self.estate_names:
            self.estate_phase += 1
            phase = (
                "" if self.estate_phase == 1 else "二三四五六七八九十"[min(self.estate_phase, 10) - 2] + "期"
            )
            self.estate_names = self.s.sample(
                [h + t + phase for h in ESTATE_HEADS for t in ESTATE_TAILS], 10_000
            )
        return self.estate_names.pop()

    def village_name(self, community_pk: int) -> str:
        """A 自然村 name not yet used in the same village."""
        for _ in range(50):
            name = self.s.choice(VILLAGE_HEADS) + self.s.choice(VILLAGE_CORES)
            if (community_pk, name) not in self.village_names:
                break
        self.village_names.add((community_pk, name))
        return name

    def place_urban(self, ref: _GridRef, street: Region, idx: list[int]) -> list[tuple[_BuildingRef, _Rooms]]:
        """小区 with 楼栋 of 6–33 floors; households in rooms like 2单元1502."""
        s = self.s
        out: list[tuple[_BuildingRef, _Rooms]] = []
        n_estates = 1 if len(idx) < 150 else 2
        pos = 0
        for e, erect in enumerate(split_rect(ref.rect, n_estates, along_lon=False)):
            share = idx[pos:] if e == n_estates - 1 else idx[pos : pos + len(idx) // n_estates]
            pos += len(share)
            name = self.estate_name()
            address = f"{ADDRESS_PREFIX}{street.name}{s.choice(ROADS)}{s.between(1, 399)}号{name}"
            lat, lon = point_in(s, erect, 0.4)
            estate = self.building(
                ref, name=name, kind=BuildingKind.ESTATE, parent=None, address=address, lat=lat, lon=lon
            )
            self.counts["estates"] += 1
            number = 0
            left = share
            while left or number == 0:
                number += 1
                x = s.u()
                floors = s.between(6, 7) if x < 0.3 else (s.between(11, 18) if x < 0.6 else s.between(18, 33))
                units = s.between(1, 3)
                per_floor = 2 if units > 1 else s.between(2, 4)
                capacity = floors * units * per_floor
                take = left[: max(1, round(capacity * s.uniform(0.55, 0.9)))]
                left = left[len(take) :]
                rooms: _Rooms = []
                for i, slot in zip(take, sorted(s.sample(range(capacity), len(take))), strict=True):
                    unit, rest = divmod(slot, floors * per_floor)
                    floor, r = divmod(rest, per_floor)
                    rooms.append((i, f"{unit + 1}单元", f"{floor + 1}{r + 1:02d}"))
                lat, lon = point_in(s, erect)
                b = self.building(
                    ref,
                    name=f"{name}{number}号楼",
                    kind=BuildingKind.BUILDING,
                    parent=estate,
                    address=f"{address}{number}号楼",
                    lat=lat,
                    lon=lon,
                    floors=floors,
                )
                out.append((b, rooms))
                self.counts["buildings"] += 1
            self.last_number[estate.code] = number
        return out

    def place_rural(
        self, ref: _GridRef, street: Region, short: str, idx: list[int]
    ) -> list[tuple[_BuildingRef, _Rooms]]:
        """自然村 with 自建房 of 1–5 floors, mostly one household each (else one per floor)."""
        s = self.s
        out: list[tuple[_BuildingRef, _Rooms]] = []
        n_villages = min(max(1, len(idx) // 100), 3)
        pos = 0
        for v, vrect in enumerate(split_rect(ref.rect, n_villages)):
            share = idx[pos:] if v == n_villages - 1 else idx[pos : pos + len(idx) // n_villages]
            pos += len(share)
            name = self.village_name(ref.community.pk)
            address = f"{ADDRESS_PREFIX}{street.name}{short}{name}"
            lat, lon = point_in(s, vrect, 0.4)
            nv = self.building(
                ref,
                name=f"{name}自然村",
                kind=BuildingKind.NATURAL_VILLAGE,
                parent=None,
                address=address,
                lat=lat,
                lon=lon,
            )
            self.counts["natural_villages"] += 1
            number = 0
            i = 0
            while i < len(share) or number == 0:
                number += 1
                take = share[i : i + (2 if s.chance(0.12) else 1)]
                i += len(take)
                lat, lon = point_in(s, vrect, 0.03)
                rooms: _Rooms = [(h, "", f"{j + 1}层" if len(take) > 1 else "") for j, h in enumerate(take)]
                b = self.building(
                    ref,
                    name=f"{nv.name}{number}号",
                    kind=BuildingKind.HOUSE,
                    parent=nv,
                    address=f"{address}{number}号",
                    lat=lat,
                    lon=lon,
                    floors=max(len(take), s.between(1, 5)),
                )
                out.append((b, rooms))
                self.counts["houses"] += 1
            self.last_number[nv.code] = number
        return out

    # -- planted defects -------------------------------------------------------------------------

    def plant(self) -> None:
        s = self.s
        grids = self.grids
        # 格不漏楼: buildings just outside their grid's rectangle (≈ 60–120 m north of it).
        moved = []
        for ref in s.sample(grids, PLANT_OUTSIDE_BUILDINGS):
            b = ref.leaves[0]
            Building.objects.filter(pk=b.pk).update(
                lat=round(ref.rect[1] + s.uniform(60, 120) / M_PER_DEG_LAT, 6)
            )
            moved.append(b.code)
        self.planted["buildings_outside_grid"] = moved

        # 楼不漏户: new buildings nobody has been registered in yet.
        empty = []
        for ref in [s.choice(grids) for _ in range(PLANT_EMPTY_BUILDINGS)]:
            parent = ref.parents[-1]
            number = self.last_number[parent.code] + 1
            self.last_number[parent.code] = number
            suffix = f"{number}号楼" if ref.urban else f"{number}号"
            lat, lon = point_in(s, ref.rect)
            b = self.building(
                ref,
                name=parent.name + suffix,
                parent=parent,
                address=parent.address + suffix,
                kind=BuildingKind.BUILDING if ref.urban else BuildingKind.HOUSE,
                lat=lat,
                lon=lon,
                floors=s.between(11, 33) if ref.urban else s.between(2, 4),
                planted=True,
            )
            self.counts["buildings" if ref.urban else "houses"] += 1
            empty.append(b.code)
        self.buildings.flush()
        self.planted["buildings_without_households"] = empty

        # 户不漏人: households registered at a free room of a building, with nobody in them.
        hollow = []
        taken: dict[int, set[tuple[str, str]]] = {}
        for ref in [s.choice(grids) for _ in range(PLANT_EMPTY_HOUSEHOLDS)]:
            b = ref.leaves[-1]
            used = taken.setdefault(
                b.pk, set(Household.objects.filter(building_id=b.pk).values_list("unit", "room"))
            )
            if ref.urban:
                unit, room = next(
                    (u, f"{f}{r:02d}")
                    for u in ("1单元", "2单元", "3单元")
                    for f in range(b.floors or 1, 0, -1)
                    for r in range(1, 6)
                    if (u, f"{f}{r:02d}") not in used
                )
            else:
                unit, room = "", next(f"{k}层" for k in range(1, 50) if ("", f"{k}层") not in used)
            used.add((unit, room))
            code = f"{ref.code}H{ref.next_household:05d}"
            ref.next_household += 1
            self.households.add(
                code, ref.pk, b.pk, unit, room, b.address + (f"{unit}{room}室" if unit else room), self.now
            )
            hollow.append(code)
        self.households.flush()
        self.counts["households"] = self.households.written
        self.planted["households_without_persons"] = hollow

        # 居不漏格: persons registered at their community but in no household (and so in no grid).
        loose = []
        for ref in [s.choice(grids) for _ in range(PLANT_UNHOUSED_PERSONS)]:
            age = s.between(18, 70)
            sex = "M" if s.chance(0.55) else "F"
            pk, birth = self.person(
                surname=s.weighted(NATIONAL_SURNAMES),
                relation="",
                age=age,
                sex=sex,
                residence=ResidenceType.FLOATING,
                ethnicity="汉族",
                region_pk=ref.community.pk,
                household_pk=None,
            )
            self.facts.append(_Fact(pk, age, sex, birth, False, -1, "", False, False, False))
            loose.append(str(pk))
        self.persons.flush()
        self.planted["persons_without_household"] = loose

        # Legacy duplicates: the same person registered again, in another household, under the same ID,
        # before one registration per number was a rule (see Person: they carry the mark the migration
        # that made the rule gives such records).
        twins = []
        adults = [f for f in self.facts if f.household >= 0 and 25 <= f.age < 80]
        for f in s.sample(adults, PLANT_DUPLICATE_IDS):
            original = Person.objects.get(pk=f.pk)
            h = s.choice(range(len(self.hh_members)))
            while h == f.household or not self.hh_members[h]:
                h = s.choice(range(len(self.hh_members)))
            pk = self.person_row(
                name=original.name,
                id_plain=cast(SensitiveValue, original.id_number).reveal(),
                sex=original.sex,
                birth=original.birth_date,
                phone="",
                household_pk=self.hh_pk[h],
                relation=Relation.OTHER,
                residence=ResidenceType.RESIDENT,
                ethnicity=original.ethnicity,
                region_pk=self.hh_region[h],
                legacy_duplicate=True,
            )
            twins.append(str(pk))
        self.persons.flush()
        self.counts["persons"] = self.persons.written
        self.planted["duplicate_id_persons"] = twins

    # -- tags ------------------------------------------------------------------------------------
