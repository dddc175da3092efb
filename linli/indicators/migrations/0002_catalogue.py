"""The data elements, indicators and the five plans' main-indicator tables with their targets.

Read from ``data/catalogue.json`` (data, not app code): seed 000 洛江, 001 广州, 002 乌海,
003 浙江, 004 敦化. Reversible: the rows are removed by code.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "catalogue.json"


def load(apps, schema_editor):
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    DataElement = apps.get_model("indicators", "DataElement")
    Indicator = apps.get_model("indicators", "Indicator")
    Plan = apps.get_model("indicators", "Plan")
    Target = apps.get_model("indicators", "Target")
    level = {12: 5, 9: 4, 6: 3}
    for e in data["elements"]:
        DataElement.objects.update_or_create(
            code=e["code"],
            defaults=dict(
                name=e["name"],
                unit=e["unit"],
                kind=e["kind"],
                entry_level=level[e["entry_level"]],
                hierarchy_agg=e["hierarchy_agg"],
                time_agg=e["time_agg"],
                monthly=e["monthly"],
                non_negative=e["non_negative"],
                applies_to="urban" if e["code"].startswith("urban_") else "",
                description=e["description"],
            ),
        )
    indicators = {}
    for i in data["indicators"]:
        indicators[i["code"]], _ = Indicator.objects.update_or_create(
            code=i["code"],
            defaults=dict(
                name=i["name"],
                numerator=i["numerator"],
                denominator=i["denominator"],
                factor=Decimal(str(i["factor"])),
                unit=i["unit"],
                decimals=2 if i["unit"] in ("‰", "人") else 1,
                description=i["description"],
            ),
        )
    for p in data["plans"]:
        plan, _ = Plan.objects.update_or_create(
            code=p["code"],
            defaults=dict(
                name=p["name"], seed=p["seed"], issuer_code=p["region_code"], source=p["source"], note=p["note"]
            ),
        )
        for n, t in enumerate(p["targets"], start=1):
            Target.objects.update_or_create(
                plan=plan,
                indicator=indicators[t["indicator"]],
                defaults=dict(
                    target_value=Decimal(str(t["target_value"])),
                    target_year=t["target_year"],
                    comparison=t["comparison"],
                    attribute=t["attribute"],
                    source_section=t["source_section"],
                    baseline_year=t["baseline_year"],
                    baseline_value=None if t["baseline_value"] is None else Decimal(str(t["baseline_value"])),
                    note=t["note"],
                    sort=n,
                ),
            )


def unload(apps, schema_editor):
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    apps.get_model("indicators", "Plan").objects.filter(code__in=[p["code"] for p in data["plans"]]).delete()
    apps.get_model("indicators", "Indicator").objects.filter(code__in=[i["code"] for i in data["indicators"]]).delete()
    apps.get_model("indicators", "DataElement").objects.filter(code__in=[e["code"] for e in data["elements"]]).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
