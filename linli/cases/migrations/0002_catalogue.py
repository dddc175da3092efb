"""The starting catalogue: time limits, two-level categories and the 2026 holiday calendar (editable data)."""

import datetime as dt

from django.db import migrations

TIME_LIMITS = [
    # code, name, response hours, resolve hours, resolve days, working days, remind before (h)
    ("urgent", "紧急（2小时）", 1, 2, 0, False, 1),
    ("utility", "水电气暖（24小时）", 2, 24, 0, False, 4),
    ("ordinary", "一般（7个工作日）", 24, 0, 7, True, 24),
    ("complex", "复杂（15个工作日）", 24, 0, 15, True, 48),
    ("consult", "咨询（3个工作日）", 24, 0, 3, True, 8),
]

# subject, Open311 group, kinds offered, time limit, keywords
SUBJECTS = [
    ("物业", "住房与物业", "consult help complaint suggest", "ordinary", "物业 电梯 保洁 停车 维修 物业费"),
    ("环境卫生", "城市管理", "complaint report suggest", "ordinary", "垃圾 保洁 污水 异味 卫生"),
    ("市政设施", "城市管理", "help complaint report suggest", "ordinary", "路灯 井盖 道路 破损 绿化"),
    ("占道经营", "城市管理", "complaint report", "ordinary", "摊贩 占道 乱摆 店外经营"),
    ("噪声扰民", "城市管理", "complaint report", "ordinary", "噪音 施工 广场舞 夜间"),
    ("供水", "水电气暖", "help complaint", "utility", "停水 水压 漏水 水管"),
    ("供电", "水电气暖", "help complaint", "utility", "停电 电线 跳闸 电表"),
    ("燃气", "水电气暖", "help complaint report", "urgent", "燃气 煤气 漏气 气味"),
    ("治安", "平安建设", "help report", "urgent", "打架 盗窃 可疑 报警 安全"),
    ("消防安全", "平安建设", "report suggest", "urgent", "消防 通道 电动车 充电 火灾"),
    ("养老", "民生保障", "consult help suggest", "ordinary", "老人 养老 助餐 高龄 补贴"),
    ("就业", "民生保障", "consult help", "consult", "就业 招聘 失业 培训 社保"),
    ("社会救助", "民生保障", "consult help", "ordinary", "低保 救助 困难 特困 临时救助"),
    ("医疗卫生", "民生保障", "consult help complaint", "ordinary", "医保 看病 疫苗 卫生院 家庭医生"),
    ("教育", "民生保障", "consult help complaint", "ordinary", "入学 学校 幼儿园 学位"),
    ("邻里纠纷", "基层治理", "help complaint", "complex", "纠纷 邻居 漏水 调解 矛盾"),
    ("违章建筑", "基层治理", "complaint report", "complex", "违建 搭建 加盖 违章"),
    ("其他", "其他", "consult help complaint report suggest", "ordinary", ""),
]
KIND_CODES = {"consult": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggest": "建议"}
PINYIN = {
    "物业": "property", "环境卫生": "sanitation", "市政设施": "municipal", "占道经营": "street_vending",
    "噪声扰民": "noise", "供水": "water", "供电": "power", "燃气": "gas", "治安": "public_security",
    "消防安全": "fire_safety", "养老": "elderly_care", "就业": "employment", "社会救助": "social_assistance",
    "医疗卫生": "health", "教育": "education", "邻里纠纷": "neighbour_dispute", "违章建筑": "illegal_building",
    "其他": "other",
}

HOLIDAYS_2026 = [
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
WORKDAYS_2026 = [
    ("2026-01-04", "元旦调休"),
    ("2026-02-14", "春节调休"),
    ("2026-02-28", "春节调休"),
    ("2026-05-09", "劳动节调休"),
    ("2026-09-20", "国庆节调休"),
    ("2026-10-10", "国庆节调休"),
]


UTILITY_ATTRIBUTES = [
    {
        "code": "scope",
        "datatype": "singlevaluelist",
        "required": True,
        "description": "影响范围",
        "datatype_description": "选择一项",
        "order": 1,
        "values": [{"key": "home", "name": "本户"}, {"key": "building", "name": "整栋楼"}, {"key": "area", "name": "片区"}],
    },
    {"code": "since", "datatype": "datetime", "required": False, "description": "开始时间", "order": 2, "values": []},
]
PROPERTY_ATTRIBUTES = [
    {"code": "estate", "datatype": "string", "required": False, "description": "小区名称", "order": 1, "values": []},
]


def forwards(apps, schema_editor):
    TimeLimit = apps.get_model("cases", "TimeLimit")
    Category = apps.get_model("cases", "Category")
    Holiday = apps.get_model("cases", "Holiday")
    limits = {}
    for code, name, rh, hh, dd, wd, rb in TIME_LIMITS:
        limits[code], _ = TimeLimit.objects.get_or_create(
            code=code,
            defaults=dict(name=name, response_hours=rh, resolve_hours=hh, resolve_days=dd, working_days=wd, remind_before_hours=rb),
        )
    for subject, group, kinds, limit, keywords in SUBJECTS:
        for kind in kinds.split():
            tl = limits["consult"] if kind == "consult" else limits[limit]
            if kind == "suggest":
                tl = limits["complex"]
            Category.objects.get_or_create(
                code=f"{PINYIN[subject]}.{kind}",
                defaults=dict(
                    kind=kind,
                    subject=subject,
                    description=f"{KIND_CODES[kind]}：{subject}（{group}）",
                    keywords=keywords,
                    time_limit=tl,
                    attributes=UTILITY_ATTRIBUTES
                    if subject in ("供水", "供电", "燃气")
                    else PROPERTY_ATTRIBUTES
                    if subject == "物业"
                    else [],
                ),
            )
    for start, end, name in HOLIDAYS_2026:
        d, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        while d <= last:
            Holiday.objects.get_or_create(date=d, defaults={"name": name, "is_workday": False})
            d += dt.timedelta(days=1)
    for day, name in WORKDAYS_2026:
        Holiday.objects.get_or_create(date=dt.date.fromisoformat(day), defaults={"name": name, "is_workday": True})


def backwards(apps, schema_editor):
    apps.get_model("cases", "Category").objects.all().delete()
    apps.get_model("cases", "TimeLimit").objects.all().delete()
    apps.get_model("cases", "Holiday").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases")]
    operations = [migrations.RunPython(forwards, backwards)]
