"""Persons of the demo: names, ID numbers, phones and the row of one person."""

from __future__ import annotations

import datetime as dt

from linli.core.engine import idnumber
from linli.registry.demo.composition import birth_for_age
from linli.registry.demo.data import (
    AREA_FUJIAN_OTHER,
    AREA_OTHER_PROVINCES,
    AREA_QUANZHOU_OTHER,
    DISTRICT_CODE,
    GIVEN,
    PHONE_PREFIXES,
)
from linli.registry.demo.state import DemoError, _State
from linli.registry.models import ResidenceType


class _People(_State):
    """人员: one generated person at a time."""

    def name_of(self, surname: str, sex: str, birth_year: int) -> str:
        era = 0 if birth_year < 1965 else (1 if birth_year < 1995 else 2)
        chars = GIVEN[(sex, era)]
        given = self.s.choice(chars)
        if self.s.chance(0.7):
            given += self.s.choice(chars)
            if given[0] == given[1] and not self.s.chance(0.15):
                given = given[0] + self.s.choice(chars)
        return surname + given

    def id_number(self, area: str, birth: dt.date, sex: str) -> str:
        seq = self.s.between(0, 499)
        for k in range(500):
            n = idnumber.make(area, birth, seq + k, sex)
            if n[:17] not in self.used_ids:
                self.used_ids.add(n[:17])
                return n
        raise DemoError(f"出生日期 {birth} 的身份证顺序码已用尽")  # pragma: no cover

    def phone(self) -> str:
        return self.s.choice(PHONE_PREFIXES) + f"{self.s.between(0, 99_999_999):08d}"

    def area_for(self, residence: str) -> str:
        s = self.s
        if residence == ResidenceType.REGISTERED:
            return DISTRICT_CODE
        if residence == ResidenceType.SEPARATED:
            return DISTRICT_CODE if s.chance(0.5) else s.choice(AREA_QUANZHOU_OTHER)
        if residence == ResidenceType.RESIDENT:
            return s.choice(AREA_QUANZHOU_OTHER) if s.chance(0.5) else s.choice(AREA_FUJIAN_OTHER)
        return s.choice(AREA_OTHER_PROVINCES) if s.chance(0.7) else s.choice(AREA_FUJIAN_OTHER)

    def person_row(
        self,
        *,
        name: str,
        id_plain: str,
        sex: str,
        birth: dt.date,
        phone: str,
        household_pk: int | None,
        relation: str,
        residence: str,
        ethnicity: str,
        region_pk: int,
        legacy_duplicate: bool = False,
    ) -> int:
        return self.persons.add(
            name,
            self.seal_id(id_plain),
            self.blind(id_plain),
            sex,
            self.day(birth),
            self.seal_phone(phone),
            self.blind(phone) if phone else "",
            household_pk,
            relation,
            residence,
            ethnicity,
            region_pk,
            "active",
            "",
            legacy_duplicate,
            self.now,
            self.now,
        )

    def person(
        self,
        *,
        surname: str,
        relation: str,
        age: int,
        sex: str,
        residence: str,
        ethnicity: str,
        region_pk: int,
        household_pk: int | None,
    ) -> tuple[int, dt.date]:
        """Generate and queue one person; return (pk, birth date)."""
        birth = birth_for_age(self.s, age, self.today)
        id_plain = self.id_number(self.area_for(residence), birth, sex)
        phone = self.phone() if age >= 18 and self.s.chance(0.85) else ""
        pk = self.person_row(
            name=self.name_of(surname, sex, birth.year),
            id_plain=id_plain,
            sex=sex,
            birth=birth,
            phone=phone,
            household_pk=household_pk,
            relation=relation,
            residence=residence,
            ethnicity=ethnicity,
            region_pk=region_pk,
        )
        return pk, birth

    # -- one community ---------------------------------------------------------------------------
