"""What the registry adds to the seams of the modules below it (called from ``RegistryConfig.ready``).

- the kernel (``linli.core``): the data scope of its models, its entries of the main navigation
  (menu 基础数据), and its parts of the home page: the resident's own record and household, and for
  staff the 重点人群 counts of their region with the buttons to the person list and the 四个不漏 check;
- regions (``linli.regions.hooks`` and ``rollup``): the population, household and building roll-ups,
  the grid workers named in a grid import (``staff_assign_grid_worker``), the buildings drawn on a
  region's map, and the region page's links to its persons and its 四个不漏 check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from linli.core import demo_steps, home, schedule, scope
from linli.core.context import register_nav
from linli.core.roles import IMPORTERS, REGISTRY_READERS, Role
from linli.regions import hooks, rollup
from linli.regions.models import Level, Region
from linli.registry import todo
from linli.registry.demo import demo_accounts_list
from linli.registry.models import (
    TAG_COUNTERS,
    Building,
    Person,
    RegionCount,
    RegionCounter,
    TagKind,
)
from linli.registry.selectors import person_tags_display, region_counts
from linli.registry.services import staff_assign_grid_worker
from linli.registry.services.counts import region_counts_nightly_task, region_counts_rebuild

BASIC_DATA = "基础数据"  # the menu shared with regions' 区划网格
RESIDENTS: frozenset[str] = frozenset({Role.RESIDENT})

# The care tags counted on a staff home page, in the order shown.
CARE_TAGS = [
    TagKind.LIVING_ALONE,
    TagKind.DISABLED,
    TagKind.DIBAO,
    TagKind.TEKUN,
    TagKind.LEFT_BEHIND_CHILD,
    TagKind.VETERAN,
]
MAP_POINTS_MAX = 5000  # buildings drawn on one region's map


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    if role in REGISTRY_READERS:
        entries += [
            ("registry:persons", "人员"),
            ("registry:households", "户"),
            ("registry:buildings", "楼栋"),
            ("registry:audit", "四个不漏"),
        ]
    # the organisations and staff are kept by the community: a grid worker's grid holds none of them
    if (role in REGISTRY_READERS and role != Role.GRID_WORKER) or role == Role.DEPARTMENT_HANDLER:
        entries.append(("registry:organisations", "组织"))
    if role in REGISTRY_READERS and role != Role.GRID_WORKER:
        entries.append(("registry:staff", "工作人员"))
    if role in IMPORTERS:
        entries.append(("registry:import", "导入导出"))
    return entries


# --- the home page ----------------------------------------------------------------------------------


def home_me(user: Any, page: home.PageContext) -> home.PageContext:
    """A resident's own record, tags and the other members of the household."""
    me = user.person
    if me is None:
        return {"me": None}
    members = (
        scope.scoped(Person.objects.filter(household_id=me.household_id).exclude(pk=me.pk), user)
        if me.household_id
        else []
    )
    return {"me": me, "my_tags": person_tags_display(me), "members": members}


PEOPLE_COUNTERS = {
    "elderly60": RegionCounter.PERSONS_ELDERLY_60,
    "elderly80": RegionCounter.PERSONS_ELDERLY_80,
    "children": RegionCounter.PERSONS_MINOR,
    "floating": RegionCounter.PERSONS_FLOATING,
}


def home_people(user: Any, page: home.PageContext) -> home.PageContext | None:
    """重点人群 of the account's scope: age groups, floating population and the care tags."""
    if page.get("region") is None:
        return None
    # the kept counts of the scope (``RegionCount``): a few rows a grid, not the persons
    counters = [*PEOPLE_COUNTERS.values(), *(TAG_COUNTERS[k] for k in CARE_TAGS)]
    counted = region_counts(user=user, code=page["region"].code, counters=counters)
    people = {key: counted[counter] for key, counter in PEOPLE_COUNTERS.items()}
    care = [(k, TagKind(k).label, counted[TAG_COUNTERS[k]]) for k in CARE_TAGS]
    return {"people": people, "care": care}


def _url(name: str) -> Any:
    return lambda page: reverse(name)


# --- regions ----------------------------------------------------------------------------------------


def building_points(region: Region, user: Any) -> list[dict[str, Any]]:
    """The located buildings of a community or grid on its map (no estates or natural villages)."""
    if region.level < Level.COMMUNITY:
        return []
    located = Building.objects.filter(region__code__startswith=region.code, lat__isnull=False)
    buildings = scope.scoped(located, user).exclude(kind__in=["estate", "natural_village"])
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [b.lon, b.lat]},
            "properties": {"kind": "building", "id": b.pk, "name": b.name},
        }
        for b in buildings.only("pk", "name", "lat", "lon")[:MAP_POINTS_MAX]
    ]


def located_buildings(code: str) -> Any:
    """(lat, lon, grid code) of every located building in the grids of subtree ``code`` (no personal data)."""
    return Building.objects.filter(
        region__code__startswith=code, region__level=Level.GRID, lat__isnull=False, lon__isnull=False
    ).values_list("lat", "lon", "region__code")


def _of_region(name: str) -> Any:
    return lambda region: f"{reverse(name)}?{urlencode({'region': region.code})}"


def _counted(counter: str) -> Any:
    return lambda: RegionCount.objects.filter(counter=counter)


def _counts_loaded() -> bool:
    return RegionCount.objects.exists()


def _counts_rebuild(**_: Any) -> dict[str, int]:
    return {"区域计数": region_counts_rebuild()}


def register() -> None:
    scope.declare("registry.person", {"region": "region", "self": "pk", "household": "household_id"})
    scope.declare("registry.household", {"region": "region", "household": "pk"})
    scope.declare("registry.building", {"region": "region"})
    scope.declare("registry.persontag", {"region": "person__region", "self": "person_id"})
    scope.declare("registry.personstatusevent", {"region": "person__region", "self": "person_id"})
    scope.declare("registry.staff", {"region": "region"})
    scope.declare("registry.training", {"region": "staff__region"})
    scope.declare("registry.organisation", {"region": "region", "organisation": "pk"})

    scope.declare("registry.regioncount", {"region": ""})  # its own copy of the region's code

    # the tree's roll-ups sum the maintained counts per region (RegionCount), not the registry's rows
    for key, label, counter in [
        ("population", "人口", RegionCounter.PERSONS_ACTIVE),
        ("households", "户数", RegionCounter.HOUSEHOLDS),
        ("buildings", "楼栋数", RegionCounter.BUILDINGS),
    ]:
        rollup.register(rollup.Counter(key, label, _counted(counter), "", total="n"))

    register_nav(nav, group=BASIC_DATA)
    home.register_panel(home.HomePanel("registry.me", 10, RESIDENTS, home_me, "registry/home/_me.html"))
    home.register_panel(
        home.HomePanel("registry.people", 20, REGISTRY_READERS, home_people, "registry/home/_people.html")
    )
    home.register_link(
        home.HomeLink("查找人员", 10, REGISTRY_READERS, _url("registry:persons"), primary=True)
    )
    home.register_link(home.HomeLink("四个不漏核查", 20, REGISTRY_READERS, _url("registry:audit")))
    home.register_todo("registry.imports", todo.ROLES, todo.import_items)

    # after the regions' sketched boundaries (order 5), which decide the buildings outside their grid
    demo_steps.register(
        demo_steps.DemoStep("registry_counts", "基础数据区域计数", 6, _counts_rebuild, _counts_loaded)
    )
    schedule.register(
        schedule.PeriodicJob(
            "registry_counts", "基础数据区域计数重算", region_counts_nightly_task, at=dt.time(1, 0)
        )
    )
    demo_steps.register_accounts(demo_accounts_list)
    hooks.register_grid_worker_assigner(staff_assign_grid_worker)
    hooks.register_map_layer(building_points)
    hooks.register_located_places(located_buildings)
    hooks.register_region_link(hooks.RegionLink("本区域人员", 10, _of_region("registry:persons")))
    hooks.register_region_link(hooks.RegionLink("四个不漏", 20, _of_region("registry:audit")))
