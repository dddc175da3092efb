"""附近的楼栋 (``core.nearby`` source "workforce.buildings"): the buildings of the worker's grid near
where he stands, each with a link to correct its data on the spot."""

from __future__ import annotations

import math
from typing import Any

from django.urls import reverse

from linli.core.nearby import NearbyItem
from linli.core.scope import scoped
from linli.registry.models import Building
from linli.workforce.engine.track import distance_m


def buildings_near(user: Any, lon: float, lat: float, radius_m: int) -> list[NearbyItem]:
    dlat = radius_m / 111_320
    dlon = dlat / max(0.2, math.cos(math.radians(lat)))
    rows = scoped(
        Building.objects.filter(lat__range=(lat - dlat, lat + dlat), lon__range=(lon - dlon, lon + dlon)),
        user,
    ).values_list("pk", "name", "floors", "lat", "lon")[:200]
    out = []
    for pk, name, floors, blat, blon in rows:
        d = distance_m(lat, lon, blat, blon)
        if d <= radius_m:
            out.append(
                NearbyItem(
                    title=name,
                    url=reverse("workforce:building_fix", args=[pk]),
                    distance_m=round(d),
                    kind="楼栋",
                    detail=f"{floors} 层 · 信息有误可当场更正" if floors else "信息有误可当场更正",
                )
            )
    return out
