"""Catalogues as data: the service taxonomy (服务分类), government service items handled at the community
(一窗受理事项) and the negative list of tasks and certificates communities must not be burdened with."""

import uuid

from django.db import migrations

TAXONOMY = [
    # code, name, parent code, description
    ("elderly", "养老", "", "居家社区养老、助餐、助浴、助洁、助医、日间照料"),
    ("elderly_meal", "老年助餐", "elderly", "长者饭堂、老年助餐点、送餐上门"),
    ("elderly_home", "居家照护", "elderly", "助浴、助洁、上门照护、探访关爱"),
    ("childcare", "托育", "", "0–3 岁婴幼儿照护、四点半课堂、儿童之家"),
    ("disability", "助残", "", "残疾人康复、辅具适配、就业帮扶"),
    ("employment", "就业", "", "就业登记、职业介绍、技能培训、创业指导"),
    ("health", "卫生健康", "", "家庭医生签约、慢病管理、健康体检、心理疏导"),
    ("health_checkup", "健康体检", "health", "老年人免费体检、慢病随访"),
    ("mental", "心理疏导", "health", "心理咨询、情绪疏导"),
    ("education", "教育", "", "社区教育、老年大学、课后托管"),
    ("culture_sports", "文化体育", "", "文体活动、阅读、健身指导"),
    ("legal", "法律", "", "法律咨询、人民调解、法律援助"),
    ("assistance", "救助", "", "低保、特困、临时救助、慈善帮扶"),
    ("housekeeping", "家政", "", "保洁、保姆、月嫂、家电清洗"),
    ("property", "物业", "", "物业服务、停车、环境卫生"),
    ("repair", "维修", "", "水电维修、家电维修、管道疏通"),
    ("social_work", "社会工作", "", "个案、小组、社区工作，困境群体关爱"),
    ("veterans", "退役军人", "", "退役军人服务与优待"),
    ("volunteer", "志愿服务", "", "志愿服务活动与邻里互助"),
    ("government", "政务代办", "", "政务服务事项代办、帮办"),
]

ITEMS = [
    # code, name, department, level, materials, legal days, promised days, fully online, fee, basis
    ("residence_permit", "居住证办理", "公安局", "district",
     ["居民身份证", "近期免冠证件照", "居住证明（房屋租赁合同或房产证）", "就业、就学证明之一"], 15, 10, False, "不收费（首次）", "《居住证暂行条例》"),
    ("elderly_allowance", "高龄津贴申领", "民政局", "street",
     ["居民身份证", "户口簿", "本人银行卡（社保卡）"], 20, 10, True, "不收费", "福建省高龄老年人高龄补贴制度"),
    ("dibao", "最低生活保障申请", "民政局", "street",
     ["居民身份证", "户口簿", "家庭收入及财产情况声明", "家庭经济状况核对授权书", "银行卡（社保卡）"], 30, 25, False, "不收费", "《社会救助暂行办法》"),
    ("disability_card", "残疾人证办理", "残联", "district",
     ["居民身份证", "户口簿", "近期免冠证件照", "残疾评定申请表"], 30, 20, False, "不收费", "《中华人民共和国残疾人证管理办法》"),
    ("temporary_relief", "临时救助申请", "民政局", "street",
     ["居民身份证", "户口簿", "困难情况说明及佐证材料"], 15, 7, False, "不收费", "《社会救助暂行办法》"),
    ("medical_insurance", "城乡居民医保参保登记", "医疗保障局", "community",
     ["居民身份证或户口簿"], 5, 1, True, "按当年缴费标准", "《社会保险法》"),
    ("pension_insurance", "城乡居民养老保险参保登记", "人力资源和社会保障局", "community",
     ["居民身份证", "户口簿"], 5, 1, True, "按选定档次缴费", "《社会保险法》"),
    ("employment_registration", "就业失业登记", "人力资源和社会保障局", "community",
     ["居民身份证", "解除劳动合同证明（失业登记时）"], 5, 1, True, "不收费", "《就业服务与就业管理规定》"),
    ("birth_registration", "生育登记", "卫生健康局", "community",
     ["夫妻双方居民身份证", "结婚证（如有）"], 5, 1, True, "不收费", "《福建省人口与计划生育条例》"),
    ("special_care", "特困人员救助供养申请", "民政局", "street",
     ["居民身份证", "户口簿", "特困人员救助供养申请书", "残疾人证或医疗诊断（如有）"], 30, 20, False, "不收费", "《社会救助暂行办法》"),
    ("veteran_card", "退役军人优待证申领", "退役军人事务局", "district",
     ["居民身份证", "退役证件", "近期免冠证件照"], 30, 15, True, "不收费", "《退役军人保障法》"),
    ("elderly_card", "老年人优待证办理", "民政局", "community",
     ["居民身份证", "近期免冠证件照"], 5, 1, True, "不收费", "《老年人权益保障法》"),
]

EXCLUDED = [
    # name, kind, keywords, handled by, basis
    ("出具无犯罪记录证明", "certificate", ["无犯罪记录", "无违法犯罪"], "公安机关户籍派出所", "国务院办公厅关于做好证明事项清理工作的通知"),
    ("出具亲属关系证明", "certificate", ["亲属关系证明", "亲属关系"], "凭户口簿、出生医学证明等查验；公安、民政部门", "证明事项清理：亲属关系证明取消"),
    ("出具居住证明（用于买房、入学以外的一般事项）", "certificate", ["居住证明"], "以居住证、不动产登记信息代替", "社区工作事项准入制度"),
    ("出具婚姻状况证明", "certificate", ["婚姻状况证明", "未婚证明", "单身证明"], "民政部门婚姻登记信息查询或本人书面承诺", "证明事项清理"),
    ("出具健在证明（生存证明）", "certificate", ["健在证明", "生存证明", "活着证明"], "人社部门人脸识别认证、信息比对", "证明事项清理"),
    ("出具经济困难证明（作为唯一依据）", "certificate", ["经济困难证明", "贫困证明"], "民政部门家庭经济状况核对", "证明事项清理"),
    ("出具出生证明、死亡证明", "certificate", ["出生证明", "死亡证明"], "医疗机构、公安机关", "证明事项清理"),
    ("出具房屋产权、房屋租赁证明", "certificate", ["房屋产权证明", "租赁证明"], "不动产登记机构、住建部门", "证明事项清理"),
    ("出具无违章建筑证明", "certificate", ["无违章建筑", "违章建筑证明"], "自然资源和规划、综合执法部门", "证明事项清理"),
    ("出具就业、工作单位证明", "certificate", ["工作证明", "收入证明", "在职证明"], "用人单位", "证明事项清理"),
    ("招商引资、协税护税任务", "task", ["招商引资", "协税护税", "税收任务"], "政府职能部门", "社区工作事项准入制度（社区工作负面清单）"),
    ("行政执法、拆迁拆违", "task", ["行政执法", "拆迁", "拆违"], "综合执法部门", "社区工作负面清单"),
    ("环保督查、安全生产检查", "task", ["安全生产检查", "环保督查"], "应急管理、生态环境部门", "社区工作负面清单"),
    ("各部门在社区设立工作机构、挂牌", "task", ["挂牌", "设立工作机构"], "各职能部门", "社区工作负面清单：清理规范社区标识牌"),
    ("要求社区填报各类统计报表、台账（未经准入）", "task", ["统计报表", "填报台账"], "职能部门通过信息共享获取", "社区工作事项准入制度"),
    ("社区创建达标、评比考核（未经准入）", "task", ["创建达标", "评比", "考核排名"], "县级以上党委和政府统一规范", "社区工作负面清单"),
]


def load(apps, schema_editor):
    Term = apps.get_model("services", "TaxonomyTerm")
    Item = apps.get_model("services", "ServiceItem")
    Excluded = apps.get_model("services", "ExcludedTask")
    by_code = {}
    for i, (code, name, parent, description) in enumerate(TAXONOMY):
        by_code[code] = Term.objects.create(
            code=code,
            name=name,
            parent=by_code.get(parent),
            description=description,
            sort=(i + 1) * 10,
            uuid=uuid.uuid5(uuid.NAMESPACE_OID, f"linli.services.taxonomy.{code}"),
        )
    for i, (code, name, dept, level, materials, days, promised, online, fee, basis) in enumerate(ITEMS):
        Item.objects.create(
            code=code,
            name=name,
            department=dept,
            level=level,
            materials=materials,
            time_limit_days=days,
            promised_days=promised,
            fully_online=online,
            fee=fee,
            basis=basis,
            sort=(i + 1) * 10,
        )
    for name, kind, keywords, handled_by, basis in EXCLUDED:
        Excluded.objects.create(name=name, kind=kind, keywords=keywords, handled_by=handled_by, basis=basis)


def unload(apps, schema_editor):
    apps.get_model("services", "ExcludedTask").objects.all().delete()
    apps.get_model("services", "ServiceItem").objects.all().delete()
    Term = apps.get_model("services", "TaxonomyTerm")
    Term.objects.filter(parent__isnull=False).delete()
    Term.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
