"""特殊困难老年人月探访率 and 关爱对象月探访率 as indicators over the care module's computed elements,
and the seeds' 100 % target on the plans that set it: seed 002 乌海 专栏3-2 ("特殊困难老年人月探访率达到
100%") and seed 004 敦化 专栏3-2 ("实现特殊困难老年人月探访率100%"). Reversible."""

from decimal import Decimal

from django.db import migrations

ELEMENTS = [
    ("care_owed_special_elderly", "特殊困难老年人上月应探访人次", "上一个完整自然月内应对特殊困难老年人的巡访人次"),
    ("care_visited_special_elderly", "特殊困难老年人上月已探访人次", "上一个完整自然月内对特殊困难老年人已完成的巡访人次"),
    ("care_visits_owed", "关爱对象上月应巡访人次", "上一个完整自然月内到期的关爱巡访（按季巡访计入季度末月）"),
    ("care_visits_done", "关爱对象上月已巡访人次", "上一个完整自然月内到期且在当期完成的关爱巡访"),
]
INDICATORS = [
    ("elderly_monthly_visit_rate", "特殊困难老年人月探访率", "care_visited_special_elderly", "care_owed_special_elderly",
     "上一个完整自然月已探访人次 ÷ 应探访人次（关爱人群规则“特殊困难老年人”）"),
    ("care_monthly_visit_rate", "关爱对象月巡访率", "care_visits_done", "care_visits_owed",
     "上一个完整自然月各关爱人群已巡访人次 ÷ 应巡访人次"),
]
TARGETS = [
    ("wuhai-2021-2025", "专栏3-2 社区养老服务", "特殊困难老年人月探访率达到100%"),
    ("dunhua-2021-2025", "专栏3-2", "将关爱巡访老年人服务纳入网格工作事项，实现特殊困难老年人月探访率100%"),
]


def load(apps, schema_editor):
    DataElement = apps.get_model("indicators", "DataElement")
    Indicator = apps.get_model("indicators", "Indicator")
    Plan = apps.get_model("indicators", "Plan")
    Target = apps.get_model("indicators", "Target")
    for code, name, desc in ELEMENTS:
        DataElement.objects.get_or_create(
            code=code, defaults=dict(name=name, unit="人次", kind="computed", entry_level=5, description=desc)
        )
    made = {}
    for code, name, num, den, desc in INDICATORS:
        made[code], _ = Indicator.objects.update_or_create(
            code=code,
            defaults=dict(name=name, numerator=num, denominator=den, factor=Decimal(100), unit="%", decimals=1, description=desc),
        )
    for plan_code, section, note in TARGETS:
        plan = Plan.objects.filter(code=plan_code).first()
        if plan is None:
            continue
        last = plan.targets.order_by("-sort").values_list("sort", flat=True).first() or 0
        Target.objects.update_or_create(
            plan=plan,
            indicator=made["elderly_monthly_visit_rate"],
            defaults=dict(
                target_value=Decimal(100),
                target_year=2025,
                comparison="ge",
                attribute="",
                source_section=section,
                note=note,
                sort=last + 1,
            ),
        )


def unload(apps, schema_editor):
    codes = [i[0] for i in INDICATORS]
    apps.get_model("indicators", "Target").objects.filter(indicator__code__in=codes).delete()
    apps.get_model("indicators", "Indicator").objects.filter(code__in=[i[0] for i in INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("care", "0002_rules"), ("indicators", "0002_catalogue")]
    operations = [migrations.RunPython(load, unload)]
