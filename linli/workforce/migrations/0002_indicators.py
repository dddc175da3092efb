"""The workforce indicators (formulas over data elements) and the plan carrying their targets:
社区工作者队伍配备标准 (seed 001 第八章: 每300户左右配备1人, 每万名常住居民不少于18人; seed 000: 每个网格至少1名网格员).
A region that adopts the plan sees them on the indicators dashboard and in its annual report."""

from decimal import Decimal

from django.db import migrations

INDICATORS = [
    ("workers_per_300_households", "每300户配备社区工作者人数", "community_workers", "households", 300, "人",
     "在岗社区工作者 ÷ 户数 × 300；标准为每300户左右1人"),
    ("workers_per_10k_residents", "每万名常住居民拥有社区工作者人数", "community_workers", "resident_population", 10000, "人",
     "在岗社区工作者 ÷ 常住人口 × 10000；到2025年底不少于18人"),
    ("certified_per_community", "平均每个社区（村）持社工证人数", "certified_social_workers", "communities", 1, "人", ""),
    ("grid_worker_coverage", "配备网格员的网格比例", "grids_with_grid_worker", "grids_total", 100, "%",
     "每个网格配备至少1名专(兼)职网格员"),
    ("training_overdue_share", "社区工作者轮训超期比例", "workers_training_overdue", "community_workers", 100, "%",
     "主任每年轮训一次，成员至少每两年轮训一次"),
    ("pay_below_income_share", "报酬低于上年度城镇居民人均可支配收入的社区工作者比例", "workers_paid_below_income", "workers_graded", 100, "%",
     "社区工作者报酬标准不低于上年度当地城镇居民人均可支配收入"),
]
TARGETS = [
    ("workers_per_300_households", "ge", 1, "expected", "广州 第八章 每300户左右配备1人"),
    ("workers_per_10k_residents", "ge", 18, "expected", "广州 第八章 每万名常住居民不少于18人"),
    ("certified_per_community", "ge", 3, "expected", "乌海 专栏 社工人才"),
    ("grid_worker_coverage", "ge", 100, "binding", "洛江 三（五）1 每个网格至少1名网格员"),
    ("training_overdue_share", "le", 0, "expected", "广州 第八章 轮训"),
    ("pay_below_income_share", "le", 0, "binding", "乌海 三岗十八级 报酬不低于上年度城镇居民人均可支配收入"),
]
PLAN = "workforce-standards"


def load(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    Plan = apps.get_model("indicators", "Plan")
    Target = apps.get_model("indicators", "Target")
    made = {}
    for code, name, num, den, factor, unit, desc in INDICATORS:
        made[code], _ = Indicator.objects.update_or_create(
            code=code,
            defaults=dict(name=name, numerator=num, denominator=den, factor=Decimal(factor), unit=unit,
                          decimals=2 if unit == "人" else 1, description=desc),
        )
    plan, _ = Plan.objects.update_or_create(
        code=PLAN,
        defaults=dict(name="社区工作者队伍与网格配备标准", seed="001", source="城乡社区服务体系建设规划（广州 第八章、乌海、洛江）",
                      note="网格工作与社区工作者队伍模块的指标"),
    )
    for n, (code, cmp, value, attr, section) in enumerate(TARGETS, start=1):
        Target.objects.update_or_create(
            plan=plan, indicator=made[code],
            defaults=dict(target_value=Decimal(value), target_year=2025, comparison=cmp, attribute=attr,
                          source_section=section, sort=n),
        )


def unload(apps, schema_editor):
    apps.get_model("indicators", "Plan").objects.filter(code=PLAN).delete()
    apps.get_model("indicators", "Indicator").objects.filter(code__in=[i[0] for i in INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial"), ("indicators", "0002_catalogue")]
    operations = [migrations.RunPython(load, unload)]
