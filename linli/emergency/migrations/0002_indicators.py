"""The readiness indicators over the emergency module's computed elements, and the seeds' targets:
灾害信息员覆盖率 100 % (seed 000 洛江 "每个城乡社区至少有1名灾害信息员"; seed 002 乌海 "全国所有村(社区)
均设置1名灾害信息员"), 应急演练覆盖率 (seed 002 "定期开展…应急避难演练活动", 预期性), 应急物资在有效期
比例 (seed 004 敦化 "加强多灾易灾村（社区）应急物资储备保障", 预期性) and 避难场所每百人位置 (no seed
figure: shown, no target). 微型消防站覆盖率 is the facilities module's indicator with 洛江's target. Reversible."""

from decimal import Decimal

from django.db import migrations

ELEMENTS = [
    ("communities_with_info_officer", "配有灾害信息员的村（社区）数", "个", "有至少1名在任灾害信息员的社区（居委会）与行政村"),
    ("shelter_places", "应急避难场所容纳人数", "人", "登记为避难场所的“应急避难场所”类设施的容纳人数之和"),
    ("supply_batches", "在库应急物资批次数", "批", "库存大于0的应急物资批次"),
    ("supply_batches_valid", "在有效期内的应急物资批次数", "批", "库存大于0且未过有效期（或长期有效）的物资批次"),
    ("communities_drilled_12m", "近12个月开展应急演练的村（社区）数", "个", "近365天内登记过应急演练的社区（居委会）与行政村"),
]
INDICATORS = [
    ("info_officer_coverage", "灾害信息员配备率", "communities_with_info_officer", "communities", 100, "%",
     "配有灾害信息员的村（社区）÷ 村（社区）总数"),
    ("drill_coverage", "应急演练覆盖率（近12个月）", "communities_drilled_12m", "communities", 100, "%",
     "近12个月开展过应急演练的村（社区）÷ 村（社区）总数"),
    ("supplies_valid_share", "应急物资在有效期内比例", "supply_batches_valid", "supply_batches", 100, "%",
     "在有效期内的物资批次 ÷ 在库物资批次"),
    ("shelter_places_per_100", "每百名常住人口应急避难场所位置", "shelter_places", "resident_population", 100, "个/百人",
     "避难场所容纳人数 ÷ 常住人口 × 100"),
]
TARGETS = [
    ("luojiang-2021-2025", "info_officer_coverage", "binding", "三（二）", "每个城乡社区至少有1名灾害信息员"),
    ("wuhai-2021-2025", "info_officer_coverage", "binding", "专栏", "全国所有村(社区)均设置1名灾害信息员"),
    ("wuhai-2021-2025", "drill_coverage", "expected", "专栏", "定期开展应急避险知识宣传和应急避难演练活动"),
    ("dunhua-2021-2025", "supplies_valid_share", "expected", "专栏", "加强多灾易灾村（社区）应急物资储备保障"),
]


def load(apps, schema_editor):
    DataElement = apps.get_model("indicators", "DataElement")
    Indicator = apps.get_model("indicators", "Indicator")
    Plan = apps.get_model("indicators", "Plan")
    Target = apps.get_model("indicators", "Target")
    for code, name, unit, desc in ELEMENTS:
        DataElement.objects.get_or_create(
            code=code, defaults=dict(name=name, unit=unit, kind="computed", entry_level=5, description=desc)
        )
    made = {}
    for code, name, num, den, factor, unit, desc in INDICATORS:
        made[code], _ = Indicator.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name, numerator=num, denominator=den, factor=Decimal(factor), unit=unit, decimals=1,
                description=desc,
            ),
        )
    for plan_code, code, attribute, section, note in TARGETS:
        plan = Plan.objects.filter(code=plan_code).first()
        if plan is None:
            continue
        last = plan.targets.order_by("-sort").values_list("sort", flat=True).first() or 0
        Target.objects.update_or_create(
            plan=plan,
            indicator=made[code],
            defaults=dict(
                target_value=Decimal(100), target_year=2025, comparison="ge", attribute=attribute,
                source_section=section, note=note, sort=last + 1,
            ),
        )


def unload(apps, schema_editor):
    codes = [i[0] for i in INDICATORS]
    apps.get_model("indicators", "Target").objects.filter(indicator__code__in=codes).delete()
    apps.get_model("indicators", "Indicator").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial"), ("indicators", "0002_catalogue")]
    operations = [migrations.RunPython(load, unload)]
