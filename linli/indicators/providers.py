"""Computed data elements (系统计算的数据元): each module's sources, found at start, and their rows.

The sources live with the data they count — ``linli/registry/indicators.py`` (persons, households,
staff), ``linli/regions/indicators.py`` (communities, streets), ``linli/facilities/indicators.py``
(facility areas, coverage), ``linli/lifecircle/indicators.py`` (life-circle coverage) — and register
themselves into the kernel seam ``linli.core.data_elements`` when imported. ``discover`` imports every
installed app's ``indicators`` module (from ``IndicatorsConfig.ready``); ``sync_elements`` then
creates the ``DataElement`` row (kind ``computed``) of every registered element that has none (run by
``manage.py migrate`` through ``post_migrate``). The indicators module never imports those modules.
"""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules

from linli.core.data_elements import SOURCES, ComputedSource, Grouped, source_of
from linli.indicators.models import DataElement, ElementKind

__all__ = ["SOURCES", "ComputedSource", "Grouped", "discover", "source_of", "sync_elements"]


def discover() -> None:
    """Import ``<app>/indicators.py`` of every installed app: each registers its sources at import."""
    autodiscover_modules("indicators")


def sync_elements() -> int:
    """Create the DataElement row of every registered computed element that has none (names kept), and
    give an element still carrying the generated description ("由…计算") its source's definition."""
    have = dict(DataElement.objects.values_list("code", "description"))
    new = [
        DataElement(
            code=code,
            name=name,
            unit=unit,
            kind=ElementKind.COMPUTED,
            entry_level=5 if s.finest >= 12 else 4,
            description=s.definitions.get(code) or f"由{s.key}计算",
        )
        for s in SOURCES.values()
        for code, (name, unit) in s.elements.items()
        if code not in have
    ]
    DataElement.objects.bulk_create(new)
    for s in SOURCES.values():
        for code, definition in s.definitions.items():
            if code in have and definition and have[code] == f"由{s.key}计算":
                DataElement.objects.filter(code=code).update(description=definition)
    return len(new)
