"""The volunteers module's computed data elements: registered and active volunteers, this year's
confirmed hours, teams and the communities with a 党员志愿服务队.

Imported by the indicators module at start (``autodiscover_modules("indicators")``); registers its
sources into the kernel seam ``linli.core.data_elements``. ``mark_computed`` (run after every migrate)
points the plans' registered-volunteer share (18 %/20 %) at the computed count and adds the
党员志愿服务队 coverage indicator. The 志愿服务站点 coverage of community service facilities is the
facilities module's ``communities_with_volunteer_station`` (a facility of type 志愿服务站).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from linli.core.data_elements import ComputedSource, Grouped, grouped, register
from linli.volunteers.models import ServiceRecord, Team, Volunteer, VolunteerStatus

REGISTERED = "volunteers_registered"
SHARE_INDICATOR = "volunteer_share"
PARTY_TEAM_INDICATOR = "party_team_coverage"


def _counting_records(since: dt.datetime | None = None, until: dt.datetime | None = None):  # type: ignore[no-untyped-def]
    qs = ServiceRecord.objects.filter(corrected_by__isnull=True)
    if since is not None:
        qs = qs.filter(started_at__gte=since)
    if until is not None:
        qs = qs.filter(started_at__lt=until)
    return qs


def volunteer_counts(n: int, root: str) -> Grouped:
    """Registered and active volunteers: one GROUP BY query."""
    since = timezone.now() - dt.timedelta(days=365)
    served = _counting_records(since).filter(hours__gt=0, volunteer_id=OuterRef("pk"))
    return grouped(
        Volunteer.objects.filter(status=VolunteerStatus.ACTIVE).annotate(_served=Exists(served)),
        "region__code",
        n,
        root,
        **{REGISTERED: Count("pk"), "volunteers_active": Count("pk", filter=Q(_served=True))},
    )


def hours_this_year(n: int, root: str) -> Grouped:
    year_start = timezone.make_aware(dt.datetime(timezone.localdate().year, 1, 1))
    return grouped(
        _counting_records(year_start), "volunteer__region__code", n, root, volunteer_hours_year=Sum("hours")
    )


def team_counts(n: int, root: str) -> Grouped:
    """Teams, party teams and the communities with one: one GROUP BY query (teams belong to a
    community, so a team's 12-digit code prefix is its community)."""
    party = Q(party_team=True)
    return grouped(
        Team.objects.annotate(_unit=Substr("region__code", 1, 12)),
        "region__code",
        n,
        root,
        volunteer_teams=Count("pk"),
        party_volunteer_teams=Count("pk", filter=party),
        communities_with_party_team=Count("_unit", distinct=True, filter=party),
    )


register(
    ComputedSource(
        key="volunteers.volunteers",
        elements={
            REGISTERED: ("注册志愿者人数（志愿服务系统）", "人"),
            "volunteers_active": ("活跃志愿者人数", "人"),
        },
        finest=12,
        compute=volunteer_counts,
        definitions={
            REGISTERED: "在册的实名注册志愿者（已记录本人同意），按所属社区计",
            "volunteers_active": "近12个月有已确认服务时长的在册志愿者",
        },
    )
)
register(
    ComputedSource(
        key="volunteers.hours",
        elements={"volunteer_hours_year": ("本年度志愿服务时长（已确认）", "小时")},
        finest=12,
        compute=hours_this_year,
        definitions={
            "volunteer_hours_year": "本年度开始的已确认服务记录时长之和（更正后的记录取代原记录）",
        },
    )
)
register(
    ComputedSource(
        key="volunteers.teams",
        elements={
            "volunteer_teams": ("志愿服务队数", "支"),
            "party_volunteer_teams": ("党员志愿服务队数", "支"),
            "communities_with_party_team": ("有党员志愿服务队的社区数", "个"),
        },
        finest=12,
        compute=team_counts,
        definitions={
            "communities_with_party_team": "至少有1支党员志愿服务队的城乡社区（村）数",
        },
    )
)


def mark_computed() -> None:
    """Point the registered-volunteer share at the computed count and add the 党员志愿服务队 coverage
    (run after every migrate, so that a reloaded indicators catalogue is pointed again)."""
    from linli.indicators.models import Indicator  # the indicators app is below this one

    Indicator.objects.filter(code=SHARE_INDICATOR).exclude(numerator=REGISTERED).update(
        numerator=REGISTERED, description="分子由志愿服务模块的注册志愿者计算，不再填报"
    )
    Indicator.objects.get_or_create(
        code=PARTY_TEAM_INDICATOR,
        defaults=dict(
            name="党员志愿服务队社区覆盖率",
            numerator="communities_with_party_team",
            denominator="communities",
            factor=Decimal(100),
            unit="%",
            description="每个村（社区）至少组建1支以党员为骨干的志愿者服务队",
        ),
    )
