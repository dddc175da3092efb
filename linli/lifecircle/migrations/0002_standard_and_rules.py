"""GB 50180-2018's facility list per life-circle level, and the 便民/优质生活圈 rules of seed 001."""

from django.db import migrations

B5 = "GB 50180-2018 附录B 五分钟生活圈居住区配套设施"
B10 = "GB 50180-2018 附录B 十分钟生活圈居住区配套设施"
B15 = "GB 50180-2018 附录B 十五分钟生活圈居住区配套设施"
# facility type code → (minutes, target group, basis)
STANDARD = {
    "community_center": (5, "all", B5 + "（社区服务站）"),
    "party_center": (5, "all", B5 + "（社区服务站）"),
    "community_canteen": (5, "all", B5 + "（社区食堂）"),
    "library": (5, "all", B5 + "（文化活动站）"),
    "sports": (5, "all", B5 + "（小型多功能运动场地、室外综合健身场地）"),
    "nursery": (5, "infant", B5 + "（托儿所）"),
    "kindergarten": (5, "child", B5 + "（幼儿园）"),
    "day_care": (5, "elderly", B5 + "（老年人日间照料中心）"),
    "elderly_station": (5, "elderly", B5 + "（居家养老服务站）"),
    "elder_canteen": (5, "elderly", B5 + "（社区食堂）"),
    "health_station": (5, "all", B5 + "（社区卫生服务站）"),
    "village_clinic": (5, "all", B5 + "（社区卫生服务站）"),
    "convenience_store": (5, "all", B5 + "（社区商业网点）"),
    "pharmacy": (5, "all", B5 + "（社区商业网点）"),
    "laundry": (5, "all", B5 + "（社区商业网点）"),
    "barber": (5, "all", B5 + "（社区商业网点）"),
    "express": (5, "all", B5 + "（社区商业网点）"),
    "waste_station": (5, "all", B5 + "（生活垃圾收集点）"),
    "public_toilet": (5, "all", B5 + "（公共厕所）"),
    "parking": (5, "all", B5 + "（机动车、非机动车停车场）"),
    "activity_ground": (5, "all", B5 + "（室外综合健身场地）"),
    "green_space": (5, "all", "GB 50180-2018 第4.0.4条 居住街坊绿地"),
    "primary_school": (10, "pupil", B10 + "（小学）"),
    "grocery": (10, "all", B10 + "（菜市场或生鲜超市）"),
    "supermarket": (10, "all", B10 + "（菜市场或生鲜超市、小型商业）"),
    "restaurant": (10, "all", B10 + "（餐饮设施）"),
    "repair": (10, "all", B10 + "（小型商业）"),
    "housekeeping": (10, "all", B10 + "（小型商业）"),
    "bus_stop": (10, "all", B10 + "（公交车站）"),
    "culture_center": (15, "all", B15 + "（文化活动中心）"),
    "yikang": (15, "elderly", B15 + "（养老院、老年养护院）"),
    "social_work_station": (15, "all", B15 + "（社区服务中心）"),
    "legal_service": (15, "all", B15 + "（司法所）"),
    "police_room": (15, "all", B15 + "（派出所）"),
}
RULES = [
    # code, name, types, min_share, goal_urban, goal_rural
    ("convenient", "便民生活圈",
     ["community_center", "health_station", "elderly_station", "convenience_store", "grocery", "express"],
     0.8, 0.9, 0.5),
    ("quality", "优质生活圈",
     ["community_center", "health_station", "elderly_station", "convenience_store", "grocery", "express",
      "nursery", "kindergarten", "day_care", "supermarket", "pharmacy", "culture_center", "sports"],
     0.9, 0.5, 0.1),
]


def load(apps, schema_editor):
    FacilityType = apps.get_model("facilities", "FacilityType")
    CircleStandard = apps.get_model("lifecircle", "CircleStandard")
    CircleRule = apps.get_model("lifecircle", "CircleRule")
    types = {t.code: t for t in FacilityType.objects.all()}
    for code, t in types.items():
        minutes, group, basis = STANDARD.get(code, (15, "all", B15))
        CircleStandard.objects.update_or_create(type=t, defaults={"minutes": minutes, "group": group, "basis": basis})
    for sort, (code, name, codes, share, urban, rural) in enumerate(RULES, start=1):
        rule, _ = CircleRule.objects.update_or_create(
            code=code, defaults={"name": name, "min_share": share, "goal_urban": urban, "goal_rural": rural, "sort": sort}
        )
        rule.types.set([types[c] for c in codes if c in types])


class Migration(migrations.Migration):
    dependencies = [("lifecircle", "0001_initial"), ("facilities", "0002_facility_types")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
