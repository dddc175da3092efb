"""Tags of the demo's persons (独居、空巢、残疾、低保…) in shares like the real ones, with periods."""

from __future__ import annotations

import datetime as dt

from linli.registry.demo.data import DISABILITY, DISABILITY_GRADE
from linli.registry.demo.places import _Places
from linli.registry.demo.state import _Fact
from linli.registry.models import Relation, TagKind


class _Tags(_Places):
    """人员标签 with plausible start and end dates."""

    def tag_dates(
        self, fact: _Fact, min_age_years: int, ended_share: float
    ) -> tuple[dt.date, dt.date | None]:
        """A start in the past (not before the person could have had the tag) and maybe an end."""
        s = self.s
        hi = self.today - dt.timedelta(days=30)
        try:
            lo = fact.birth.replace(year=fact.birth.year + min_age_years)
        except ValueError:
            lo = fact.birth.replace(year=fact.birth.year + min_age_years, day=28)
        lo = max(lo, dt.date(2012, 1, 1), fact.birth + dt.timedelta(days=30))
        if lo > hi:
            lo = hi = min(max(lo, fact.birth + dt.timedelta(days=1)), self.today - dt.timedelta(days=1))
        start = lo + dt.timedelta(days=s.between(0, (hi - lo).days))
        end = None
        latest_end = self.today - dt.timedelta(days=1)
        if s.chance(ended_share) and (latest_end - start).days > 60:
            end = start + dt.timedelta(days=s.between(30, (latest_end - start).days))
        return start, end

    def tag(
        self,
        fact: _Fact,
        kind: str,
        start: dt.date,
        end: dt.date | None,
        category: str = "",
        grade: int | None = None,
    ) -> None:
        self.tag_rows.add(
            fact.pk, kind, category, grade, self.day(start), self.day(end) if end else None, "", self.now
        )

    def tags(self) -> None:
        s = self.s
        facts = self.facts

        def add(chosen: list[_Fact], kind: str, min_age: int = 0, ended: float = 0.02) -> None:
            for f in chosen:
                self.tag(f, kind, *self.tag_dates(f, min_age, ended))

        housed = [f for f in facts if f.household >= 0]
        old = [f for f in housed if f.age >= 60]
        add(s.sample([f for f in old if f.alone], round(0.10 * len(old))), TagKind.LIVING_ALONE, 60)
        add(s.sample([f for f in old if f.all_old], round(0.40 * len(old))), TagKind.EMPTY_NEST, 60)

        disabled = s.weighted_sample(
            housed,
            [0.3 if f.age < 15 else 1.0 if f.age < 60 else 2.5 if f.age < 80 else 4.0 for f in housed],
            round(0.025 * len(housed)),
        )
        for f in disabled:
            self.tag(
                f,
                TagKind.DISABLED,
                *self.tag_dates(f, 0, 0.01),
                category=s.weighted(DISABILITY),
                grade=s.weighted(DISABILITY_GRADE),
            )
        disabled_pks = {f.pk for f in disabled}

        # 低保 and 低保边缘 are granted to a household: every member is tagged.
        def households_for(share: float, rural: bool, exclude: set[int]) -> list[int]:
            pool = [h for h, members in enumerate(self.hh_members) if self.hh_rural[h] == rural and members]
            need = share * sum(len(self.hh_members[h]) for h in pool)
            got, chosen = 0, []
            for h in s.sample(pool, len(pool)):
                if got >= need:
                    break
                if h not in exclude:
                    chosen.append(h)
                    got += len(self.hh_members[h])
            return chosen

        dibao = households_for(0.015, True, set()) + households_for(0.005, False, set())
        edge = households_for(0.005, True, set(dibao)) + households_for(0.005, False, set(dibao))
        for households, kind, ended in ((dibao, TagKind.DIBAO, 0.12), (edge, TagKind.DIBAO_EDGE, 0.10)):
            for h in households:
                start, end = self.tag_dates(facts[self.hh_members[h][0]], 0, ended)
                for i in self.hh_members[h]:
                    begins = max(start, facts[i].birth + dt.timedelta(days=1))
                    if end is None or begins <= end:  # not a child born after the household left
                        self.tag(facts[i], kind, begins, end)

        tekun_pool = [f for f in housed if f.alone and (f.age >= 60 or f.pk in disabled_pks)]
        add(s.sample(tekun_pool, round(0.0025 * len(housed))), TagKind.TEKUN, 16, 0.03)

        rural_kids = [f for f in housed if f.rural and f.age < 16]
        want = round(0.03 * len(rural_kids))
        first = s.sample([f for f in rural_kids if f.skipped], want)
        add(
            first + s.sample([f for f in rural_kids if not f.skipped], want - len(first)),
            TagKind.LEFT_BEHIND_CHILD,
            0,
            0.05,
        )

        rural_old = [f for f in old if f.rural]
        add(
            s.sample([f for f in rural_old if f.all_old], round(0.08 * len(rural_old))),
            TagKind.LEFT_BEHIND_ELDERLY,
            60,
        )
        women = [
            f
            for f in housed
            if f.rural
            and f.sex == "F"
            and 20 <= f.age < 60
            and f.relation in (Relation.SPOUSE, Relation.CHILD_IN_LAW)
        ]
        add(s.sample(women, round(0.01 * len(women))), TagKind.LEFT_BEHIND_WOMAN, 18, 0.05)

        kids = [f for f in housed if f.age < 18]
        add(s.sample(kids, max(1, round(0.003 * len(kids)))), TagKind.CHILD_IN_DIFFICULTY, 0, 0.05)

        men = [f for f in housed if f.sex == "M" and f.age >= 20]
        add(
            s.weighted_sample(men, [2.0 if f.age >= 40 else 1.0 for f in men], round(0.012 * len(men))),
            TagKind.VETERAN,
            20,
            0.0,
        )

        weights = [10.0 if f.pk in disabled_pks else 5.0 if f.age >= 80 else 1.0 for f in housed]
        add(s.weighted_sample(housed, weights, round(0.01 * len(housed))), TagKind.KEY_CARE, 0, 0.05)

        self.tag_rows.flush()
        self.counts["tags"] = self.tag_rows.written

    # -- organisations, staff, training ----------------------------------------------------------
