"""Organisations, staff and their training records of the demo district."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from linli.regions.models import Region
from linli.registry.demo.composition import credit_code
from linli.registry.demo.data import (
    ADDRESS_PREFIX,
    BATCH,
    CERTIFICATE_MARK,
    DEPARTMENTS,
    DISTRICT_CODE,
    DISTRICT_NAME,
    ESTATE_HEADS,
    LOCAL_SURNAMES,
    TRAININGS,
    community_short_name,
)
from linli.registry.demo.state import _GridRef
from linli.registry.demo.stream import Weighted
from linli.registry.demo.tags import _Tags
from linli.registry.models import CertificateLevel, Organisation, OrganisationKind, Staff, StaffKind, Training


class _Organisations(_Tags):
    """组织、工作人员、培训记录."""

    def org(self, name: str, kind: str, region: Region, prefix: str, address: str = "") -> Organisation:
        s = self.s
        return Organisation(
            name=name,
            kind=kind,
            region=region,
            address=address or f"{ADDRESS_PREFIX}{name}",
            credit_code=credit_code(prefix, DISTRICT_CODE, next(self.credit_serial)) if prefix else "",
            contact_name=self.name_of(
                s.weighted(LOCAL_SURNAMES), "M" if s.chance(0.5) else "F", s.between(1965, 1998)
            ),
            contact_phone=f"0595-2{s.between(0, 9_999_999):07d}",
        )

    def organisations(
        self, district: Region, streets: list[Region], communities: list[tuple[Region, Region, bool]]
    ) -> dict[int, Organisation]:
        s = self.s
        rows: list[Organisation] = []
        committees: dict[int, Organisation] = {}
        for community, street, urban in communities:
            short = community_short_name(community.name)
            where = f"{ADDRESS_PREFIX}{street.name}{short}"
            committee = self.org(
                f"{short}{'居民' if urban else '村民'}委员会",
                OrganisationKind.COMMITTEE,
                community,
                "54",
                where,
            )
            committees[community.pk] = committee
            rows.append(committee)
            kinds = (
                ["老年人协会", "文体协会", "妇女儿童之家", "邻里互助会", "书画协会", "家长学校"]
                if urban
                else ["老年人协会", "红白理事会", "乡贤理事会", "文体队"]
            )
            for k in s.sample(kinds, s.between(2, 3) if urban else s.between(1, 2)):
                rows.append(
                    self.org(
                        f"{short}{k}",
                        OrganisationKind.SOCIAL_ORG,
                        community,
                        "51" if s.chance(0.4) else "",
                        where,
                    )
                )
            if urban or s.chance(0.5):
                rows.append(
                    self.org(f"{short}志愿服务队", OrganisationKind.VOLUNTEER_TEAM, community, "", where)
                )
        urban_communities = [c for c, _, u in communities if u]
        names = [f"泉州市{h}{t}物业服务有限公司" for h in ESTATE_HEADS for t in ("", "安居", "优家", "锦程")]
        for name in s.sample(names, max(1, len(urban_communities) // 2)):
            rows.append(self.org(name, OrganisationKind.PROPERTY_COMPANY, s.choice(urban_communities), "91"))
        by_street: dict[int, list[Region]] = {}
        for c, st, _ in communities:
            by_street.setdefault(st.pk, []).append(c)
        for st in streets:
            place = st.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
            comms = by_street.get(st.pk, [])
            rows.append(self.org(f"{st.name}社会工作服务站", OrganisationKind.SOCIAL_WORK_STATION, st, "52"))
            rows.append(
                self.org(f"{st.name}新时代文明实践志愿服务队", OrganisationKind.VOLUNTEER_TEAM, st, "")
            )
            if not comms:
                continue
            urban_street = st.name.endswith("街道")
            units = [
                f"泉州市洛江区{place}中心小学",
                f"泉州市洛江区{place}中学",
                f"{st.name}社区卫生服务中心" if urban_street else f"{st.name}卫生院",
                f"{st.name}中心幼儿园",
            ]
            if st.code == "350504001":
                units.append("泉州市洛江区医院")
            for u in units:
                rows.append(self.org(u, OrganisationKind.RESIDENT_UNIT, s.choice(comms), "12"))
            firms = [
                f"泉州{h}{t}有限公司"
                for h in ESTATE_HEADS[:12]
                for t in ("鞋服", "石材", "机械", "食品", "包装", "电子", "建材", "纺织")
            ]
            for name in s.sample(firms, s.between(2, 4)):
                rows.append(
                    self.org(
                        name.replace("泉州", f"泉州{place}", 1),
                        OrganisationKind.RESIDENT_UNIT,
                        s.choice(comms),
                        "91",
                    )
                )
        yangen = next((c for c, _, _ in communities if "仰恩" in c.name), None)
        if yangen is not None:
            rows.append(self.org("仰恩大学", OrganisationKind.RESIDENT_UNIT, yangen, "52"))
        for d in DEPARTMENTS:
            rows.append(self.org(f"{DISTRICT_NAME}{d}", OrganisationKind.DEPARTMENT, district, "11"))
        Organisation.objects.bulk_create(rows)
        self.counts["organisations"] = len(rows)
        self.stations = {o.region_id: o for o in rows if o.kind == OrganisationKind.SOCIAL_WORK_STATION}
        return committees

    def staff(
        self,
        streets: list[Region],
        communities: list[tuple[Region, Region, bool]],
        committees: dict[int, Organisation],
    ) -> None:
        s = self.s
        rows: list[Staff] = []
        grid_links: list[tuple[int, int]] = []  # (index into rows, grid pk)

        def member(kind: str, post: str, region: Region, org: Organisation | None, **extra: Any) -> Staff:
            sex = "M" if s.chance(0.45) else "F"
            started = self.today - dt.timedelta(days=s.between(60, 365 * 15))
            return Staff(
                name=self.name_of(s.weighted(LOCAL_SURNAMES), sex, s.between(1968, 2000)),
                kind=kind,
                post=post,
                region=region,
                organisation=org,
                phone=self.phone(),
                started_on=started,
                **extra,
            )

        for community, _street, urban in communities:
            people = self.community_people.get(community.pk, 0)
            n = max(5, round(people * 18 / 10_000)) if urban else s.between(3, 7)
            head = "居委会" if urban else "村委会"
            posts = ["党委书记、" + head + "主任"] if s.chance(0.7) else ["党委书记", head + "主任"]
            posts += [head + "副主任"] * (2 if n >= 7 else 1) + [head + "委员"] * (3 if n >= 8 else 1)
            posts = posts[:n] + ["专职社区工作者"] * max(0, n - len(posts))
            org = committees.get(community.pk)
            rows += [member(StaffKind.COMMUNITY_WORKER, p, community, org) for p in posts]
        grids_by_community: dict[int, list[_GridRef]] = {}
        for ref in self.grids:
            grids_by_community.setdefault(ref.community.pk, []).append(ref)
        for community, _street, _urban in communities:
            for ref in grids_by_community.get(community.pk, []):
                grid_links.append((len(rows), ref.pk))
                rows.append(
                    member(
                        StaffKind.GRID_WORKER,
                        "专职网格员" if s.chance(0.8) else "兼职网格员",
                        community,
                        committees.get(community.pk),
                    )
                )
        street_people: dict[int, int] = {}
        for community, street, _ in communities:
            street_people[street.pk] = street_people.get(street.pk, 0) + self.community_people.get(
                community.pk, 0
            )
        levels = Weighted(
            [
                (CertificateLevel.ASSISTANT, 0.55),
                (CertificateLevel.SOCIAL_WORKER, 0.30),
                (CertificateLevel.SENIOR, 0.05),
                (CertificateLevel.NONE, 0.10),
            ]
        )
        serial = itertools.count(1)
        for st in streets:
            for _ in range(max(1, round(street_people.get(st.pk, 0) / 2000))):
                level = s.weighted(levels)
                number = (
                    f"{s.between(2012, 2025)}35{CERTIFICATE_MARK[level]}{next(serial):06d}" if level else ""
                )
                rows.append(
                    member(
                        StaffKind.SOCIAL_WORKER,
                        "驻站社工",
                        st,
                        self.stations.get(st.pk),
                        certificate_level=level,
                        certificate_no=number,
                    )
                )
        Staff.objects.bulk_create(rows, batch_size=BATCH)
        Staff.grids.through.objects.bulk_create(
            [Staff.grids.through(staff_id=rows[i].pk, region_id=g) for i, g in grid_links], batch_size=BATCH
        )
        self.counts["staff"] = len(rows)

        trainings = []
        for worker in rows:
            if not s.chance(0.7):
                continue
            for title, organiser in s.sample(TRAININGS, s.between(1, 3)):
                start = self.today - dt.timedelta(days=s.between(20, 3 * 365))
                days = s.between(0, 4)
                trainings.append(
                    Training(
                        staff_id=worker.pk,
                        title=title,
                        organiser=organiser,
                        start_date=start,
                        end_date=start + dt.timedelta(days=days),
                        hours=Decimal(min(40, (days + 1) * s.choice([3, 4, 6, 8]))).quantize(Decimal("0.1")),
                    )
                )
        Training.objects.bulk_create(trainings, batch_size=BATCH)
        self.counts["trainings"] = len(trainings)

    # -- the whole district ----------------------------------------------------------------------
