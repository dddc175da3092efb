"""The care groups the seeds imply, as data the district edits (seed 001 第五章, 002/004 专栏3-2).

Reversible: the rows are removed by code (when no file refers to them)."""

from django.db import migrations

ELDERLY_CHECKS = ["人身安全", "健康状况", "居住环境", "生活照料", "服务需求"]
CHILD_CHECKS = ["人身安全", "监护情况", "学习生活", "心理状况", "服务需求"]
AID_CHECKS = ["基本生活", "健康状况", "收入变化", "服务需求"]

RULES = [
    # code, name, description, condition, frequency, visitor, checklist, policy item, policy label
    (
        "special_elderly",
        "特殊困难老年人",
        "60 周岁以上且独居、空巢、残疾、低保或特困，或 80 周岁以上（各地可调整口径）",
        {
            "any": [
                {"field": "age", "op": ">=", "value": 80},
                {
                    "all": [
                        {"field": "age", "op": ">=", "value": 60},
                        {
                            "any": [
                                {"household": "alone"},
                                {"tag": "living_alone"},
                                {"tag": "empty_nest"},
                                {"household": "no_member_under", "age": 60},
                                {"tag": "disabled"},
                                {"tag": "dibao"},
                                {"tag": "tekun"},
                            ]
                        },
                    ]
                },
            ]
        },
        "monthly",
        "grid_worker",
        ELDERLY_CHECKS,
        "",
        "",
    ),
    (
        "elderly_80",
        "高龄老人",
        "80 周岁以上，可能符合高龄津贴",
        {"field": "age", "op": ">=", "value": 80},
        "",
        "grid_worker",
        [],
        "elderly_allowance",
        "高龄津贴",
    ),
    (
        "left_behind_elderly",
        "留守老年人",
        "60 周岁以上且登记为留守老人",
        {"all": [{"field": "age", "op": ">=", "value": 60}, {"tag": "left_behind_elderly"}]},
        "monthly",
        "grid_worker",
        ELDERLY_CHECKS,
        "",
        "",
    ),
    (
        "left_behind_child",
        "留守儿童",
        "未满 18 周岁且登记为留守儿童（建档立卡，儿童主任巡访）",
        {"all": [{"field": "age", "op": "<", "value": 18}, {"tag": "left_behind_child"}]},
        "monthly",
        "child_director",
        CHILD_CHECKS,
        "",
        "",
    ),
    (
        "child_in_difficulty",
        "困境儿童",
        "未满 18 周岁且登记为困境儿童（建档立卡，儿童主任巡访）",
        {"all": [{"field": "age", "op": "<", "value": 18}, {"tag": "child_in_difficulty"}]},
        "monthly",
        "child_director",
        CHILD_CHECKS,
        "",
        "",
    ),
    (
        "severe_disabled",
        "重度残疾人",
        "残疾等级为一级或二级",
        {"tag": "disabled", "grade_max": 2},
        "quarterly",
        "grid_worker",
        ["人身安全", "健康状况", "康复辅具", "生活照料", "服务需求"],
        "",
        "",
    ),
    (
        "dibao_edge",
        "低保边缘家庭",
        "登记为低保边缘，社会救助协理员按季巡访，可能符合最低生活保障",
        {"all": [{"tag": "dibao_edge"}, {"not": {"tag": "dibao"}}]},
        "quarterly",
        "assistance_assistant",
        AID_CHECKS,
        "dibao",
        "最低生活保障",
    ),
    (
        "tekun_elderly",
        "特困供养对象",
        "60 周岁以上、独居且低保，可能符合特困人员救助供养",
        {
            "all": [
                {"field": "age", "op": ">=", "value": 60},
                {"household": "alone"},
                {"tag": "dibao"},
                {"not": {"tag": "tekun"}},
            ]
        },
        "",
        "assistance_assistant",
        [],
        "special_care",
        "特困人员救助供养",
    ),
]


def load(apps, schema_editor):
    CareRule = apps.get_model("care", "CareRule")
    for n, (code, name, desc, cond, freq, visitor, checks, item, label) in enumerate(RULES, start=1):
        CareRule.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name,
                description=desc,
                condition=cond,
                frequency=freq,
                visitor=visitor,
                checklist=checks,
                policy_item=item,
                policy_label=label,
                sort=n * 10,
            ),
        )


def unload(apps, schema_editor):
    apps.get_model("care", "CareRule").objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
