"""The generator's state and the rows it writes straight to the database."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from linli.core.bulk import insert_rows
from linli.core.personal import EncryptedField, cipher
from linli.regions.models import Region
from linli.registry.demo.composition import Member, Rect
from linli.registry.demo.data import BATCH, _words
from linli.registry.demo.stream import Stream, Weighted
from linli.registry.models import Building, Household, Organisation, Person, PersonTag


class _Table:
    """Rows of one model written straight to the database: at 230 000 persons the ORM's per-row cost
    of ``bulk_create`` would dominate the load. SQLite takes them with ``executemany`` (a C loop),
    PostgreSQL with ``COPY … FROM STDIN``.

    Primary keys are allocated here (after the current maximum, the tables locked on PostgreSQL) so
    that children can point at parents before either is written; foreign keys are deferred to the
    commit on both databases.
    """

    def __init__(self, model: type[models.Model], fields: list[str], *, with_pk: bool = True):
        meta = model._meta
        self.model = model
        self.with_pk = with_pk
        names = (["id"] if with_pk else []) + fields
        self.columns = [str(cast(models.Field, meta.get_field(f)).column) for f in names]
        self.rows: list[tuple[Any, ...]] = []
        self.next_pk = 0
        self.written = 0

    def start(self) -> None:
        self.next_pk = (self.model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    def add(self, *values: Any) -> int:
        """Queue one row (values in field order); return its primary key (0 without one)."""
        if not self.with_pk:
            self.rows.append(values)
            return 0
        pk = self.next_pk
        self.next_pk += 1
        self.rows.append((pk, *values))
        return pk

    def flush(self) -> None:
        for i in range(0, len(self.rows), BATCH):
            insert_rows(self.model, self.columns, self.rows[i : i + BATCH])
        self.written += len(self.rows)
        self.rows = []


@dataclass(slots=True)
class _Fact:
    """What the tag pass needs to know about an inserted person."""

    pk: int
    age: int
    sex: str
    birth: dt.date
    rural: bool
    household: int  # index into the generator's households (-1: none)
    relation: str
    all_old: bool
    alone: bool
    skipped: bool


@dataclass(slots=True)
class _BuildingRef:
    pk: int
    code: str
    name: str
    address: str
    floors: int | None


@dataclass
class _GridRef:
    pk: int
    code: str
    rect: Rect
    community: Region
    urban: bool
    leaves: list[_BuildingRef] = field(default_factory=list)
    parents: list[_BuildingRef] = field(default_factory=list)
    next_building: int = 1
    next_household: int = 1


@dataclass
class DemoResult:
    """What ``demo_load`` did: counts by kind, the planted defects and the time it took."""

    counts: dict[str, int]
    planted: dict[str, list[str]]
    seconds: float
    divisions: dict[str, int]


class DemoError(Exception):
    """The demo cannot be loaded or the accounts cannot be created (message in Chinese)."""


# A household waiting for its grid: members, skipped generation, residence type, ethnicity, surnames.
_Pending = tuple[list[Member], bool, str, str, Weighted[str]]
# A leaf building's households: (index of the household in its community, unit, room).
_Rooms = list[tuple[int, str, str]]


class _State:
    """What the generator keeps while it writes the district: the random stream, the tables being
    written, the facts the later passes need (persons, households, grids) and the counts."""

    def __init__(self, *, seed: int, scale: float, today: dt.date, log: Callable[[str], None]):
        self.s = Stream(seed)
        self.scale = scale
        self.today = today
        self.log = log
        self.used_ids: set[str] = set()
        self.facts: list[_Fact] = []
        self.hh_rural: list[bool] = []
        self.hh_pk: list[int] = []
        self.hh_region: list[int] = []
        self.hh_members: list[list[int]] = []  # indices into facts
        self.grids: list[_GridRef] = []
        self.community_people: dict[int, int] = {}
        self.counts: dict[str, int] = dict.fromkeys(
            _words(
                "grids estates buildings natural_villages houses households persons tags organisations staff trainings"
            ),
            0,
        )
        self.planted: dict[str, list[str]] = {}
        self.credit_serial = itertools.count(10_000_001)
        self.last_number: dict[str, int] = {}  # parent building code → its highest 楼/house number
        self.stations: dict[int, Organisation] = {}
        self.estate_names: list[str] = []
        self.estate_phase = 0
        self.village_names: set[tuple[int, str]] = set()  # (community pk, 自然村 name)
        ops = connection.ops
        self.now = ops.adapt_datetimefield_value(timezone.now())
        self.day = ops.adapt_datefield_value
        id_field = Person._meta.get_field("id_number")
        phone_field = Person._meta.get_field("phone")
        assert isinstance(id_field, EncryptedField) and isinstance(phone_field, EncryptedField)
        self.seal_id, self.seal_phone = id_field.get_prep_value, phone_field.get_prep_value
        self.blind = cipher().blind_index
        self.buildings = _Table(
            Building, _words("code name kind parent region address lat lon floors created_at")
        )
        self.households = _Table(Household, _words("code region building unit room address created_at"))
        self.persons = _Table(
            Person,
            _words(
                "name id_number id_number_index sex birth_date phone phone_index household relation residence_type ethnicity region status note legacy_duplicate created_at updated_at"
            ),
        )
        self.tag_rows = _Table(
            PersonTag,
            _words("person kind disability_category disability_grade valid_from valid_to note created_at"),
            with_pk=False,
        )
