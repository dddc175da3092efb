"""The facility type catalogue (设施类型), from the plans and 完整居住社区建设标准 (seed 002 专栏5)."""

from django.db import migrations

TYPES = [
    # code, name, category, description
    ("party_center", "党群服务中心", "comprehensive", "村（社区）党群服务中心"),
    ("community_center", "社区综合服务设施", "comprehensive", "社区综合服务站：服务大厅、居委会办公、居民活动用房、阅览室等"),
    ("elderly_station", "社区养老服务站", "elderly", "居家养老服务站（点）"),
    ("day_care", "日间照料中心", "elderly", "老年人日间照料中心"),
    ("yikang", "颐康中心", "elderly", "街道综合养老服务中心（颐康中心）"),
    ("elder_canteen", "长者饭堂", "elderly", "老年助餐点"),
    ("community_canteen", "社区食堂", "elderly", ""),
    ("health_station", "社区卫生服务站", "health", ""),
    ("village_clinic", "村卫生室", "health", ""),
    ("pharmacy", "药店", "health", ""),
    ("nursery", "托育机构", "children", "托儿所等 0–3 岁婴幼儿照护服务设施"),
    ("kindergarten", "幼儿园", "children", ""),
    ("primary_school", "小学", "children", ""),
    ("children_home", "儿童之家", "children", ""),
    ("parent_school", "家长学校", "children", ""),
    ("social_work_station", "社工站", "social", "镇（街道）社会工作服务站（室）"),
    ("volunteer_station", "志愿服务站点", "social", "社区志愿服务站点"),
    ("women_home", "妇女微家", "social", ""),
    ("culture_center", "综合性文化服务中心", "culture_sports", "基层综合性文化服务中心"),
    ("library", "图书室/阅览室", "culture_sports", ""),
    ("sports", "体育设施", "culture_sports", "室外综合健身场地、多功能运动场地"),
    ("police_room", "警务室", "safety", ""),
    ("fire_station", "微型消防站", "safety", ""),
    ("shelter", "应急避难场所", "safety", ""),
    ("legal_service", "公共法律服务工作室", "legal", ""),
    ("supermarket", "综合超市", "commerce", "建筑面积不小于 300 ㎡"),
    ("convenience_store", "便利店", "commerce", ""),
    ("grocery", "菜店/菜市场", "commerce", ""),
    ("express", "快递服务点", "commerce", "邮件和快件寄递服务设施、智能快递箱"),
    ("repair", "维修点", "commerce", ""),
    ("housekeeping", "家政服务点", "commerce", ""),
    ("barber", "理发店", "commerce", ""),
    ("laundry", "洗衣店", "commerce", ""),
    ("restaurant", "餐饮店", "commerce", ""),
    ("bus_stop", "公交站点", "municipal", ""),
    ("parking", "停车场", "municipal", ""),
    ("ev_charging", "充电设施", "municipal", "电动汽车、电动自行车充电场所"),
    ("public_toilet", "公共厕所", "municipal", ""),
    ("waste_station", "垃圾收集站", "municipal", "生活垃圾分类收集站"),
    ("activity_ground", "公共活动场地", "space", "用地面积不小于 150 ㎡"),
    ("green_space", "公共绿地", "space", "社区游园、口袋公园"),
    ("property_office", "物业管理用房", "property", ""),
]


def load(apps, schema_editor):
    FacilityType = apps.get_model("facilities", "FacilityType")
    for sort, (code, name, category, description) in enumerate(TYPES, start=1):
        FacilityType.objects.update_or_create(
            code=code, defaults={"name": name, "category": category, "description": description, "sort": sort * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
