"""The procedures (四议两公开, 116 工作法, 两议两评两公开, 四方议事) as catalogue rows, and the two
indicators the annual report carries: the execution rate of resolutions and 议事厅 coverage, with
their targets in 洛江's plan (seed 000 三(一)2 "实现村(社区)民主议事厅全覆盖"; the execution rate has no
figure in the plan: its reference is 广州's 92.6 %, seed 001 第四章).

The steps are read from ``data/procedures.json`` (the engine reads the same file): data, not app code."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "procedures.json"

INDICATORS = [
    {
        "code": "deliberation_execution_rate",
        "name": "协商议事决议执行率",
        "numerator": "deliberation_resolutions_executed",
        "denominator": "deliberation_resolutions",
        "description": "已执行完成的决议数 ÷ 形成的决议数（累计）",
        "target": ("ge", "90", "expected", "参照 001 第四章（广州执行率 92.6%）", "规划未列数值，参照广州累计执行率设定"),
    },
    {
        "code": "deliberation_hall_coverage",
        "name": "村（社区）民主议事厅覆盖率",
        "numerator": "communities_with_deliberation_hall",
        "denominator": "communities",
        "description": "设有民主议事厅的村（社区）÷ 村（社区）总数",
        "target": ("ge", "100", "binding", "三（一）2", "实现村（社区）民主议事厅全覆盖"),
    },
]
PLAN = "luojiang-2021-2025"


def load(apps, schema_editor):
    Procedure = apps.get_model("deliberation", "Procedure")
    ProcedureStep = apps.get_model("deliberation", "ProcedureStep")
    for p in json.loads(CATALOGUE.read_text(encoding="utf-8")):
        proc, _ = Procedure.objects.update_or_create(
            code=p["code"], defaults={"name": p["name"], "description": p["description"]}
        )
        for order, s in enumerate(p["steps"], start=1):
            ProcedureStep.objects.update_or_create(
                procedure=proc,
                order=order,
                defaults={"name": s["name"], "required": s["required"], "kind": s["kind"], "body": s["body"]},
            )
    load_indicators(apps, schema_editor)


def load_indicators(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    Plan = apps.get_model("indicators", "Plan")
    Target = apps.get_model("indicators", "Target")
    plan = Plan.objects.filter(code=PLAN).first()
    for n, i in enumerate(INDICATORS):
        ind, _ = Indicator.objects.update_or_create(
            code=i["code"],
            defaults={
                "name": i["name"],
                "numerator": i["numerator"],
                "denominator": i["denominator"],
                "factor": Decimal(100),
                "unit": "%",
                "decimals": 1,
                "description": i["description"],
            },
        )
        if plan is not None:
            comparison, value, attribute, section, note = i["target"]
            Target.objects.update_or_create(
                plan=plan,
                indicator=ind,
                defaults={
                    "target_value": Decimal(value),
                    "target_year": 2025,
                    "comparison": comparison,
                    "attribute": attribute,
                    "source_section": section,
                    "note": note,
                    "sort": 90 + n,
                },
            )


def unload(apps, schema_editor):
    codes = [i["code"] for i in INDICATORS]
    apps.get_model("indicators", "Target").objects.filter(indicator__code__in=codes).delete()
    apps.get_model("indicators", "Indicator").objects.filter(code__in=codes).delete()
    # the catalogue's rows alone (a cascade through the historical models would reach the topics)
    for model in ("ProcedureStep", "Procedure"):
        table = apps.get_model("deliberation", model)._meta.db_table
        schema_editor.execute(f"DELETE FROM {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0001_deliberation"), ("indicators", "0002_catalogue")]
    operations = [migrations.RunPython(load, unload)]
