"""The demo district's fixed facts: where it lies, how many people, the names and shares the
generator draws from (surnames, given names, roads, residence types, tags, trainings)."""

from __future__ import annotations

import math

from linli.regions.models import Region, UrbanRural
from linli.registry.demo.stream import Weighted
from linli.registry.models import CertificateLevel, DisabilityCategory, ResidenceType

DISTRICT_CODE = "350504"
DISTRICT_NAME = "洛江区"
ADDRESS_PREFIX = "福建省泉州市洛江区"
DEFAULT_SEED = 2026
FULL_POPULATION = 230_000
DEMO_SOURCE = "demo"
DEMO_PASSWORD = "linli-demo-2026"
BATCH = 5000

HOUSEHOLDS_PER_GRID = 300
# Deliberate defects for the audits (absolute numbers, whatever the scale).
PLANT_OUTSIDE_BUILDINGS = 5
PLANT_EMPTY_BUILDINGS = 10
PLANT_EMPTY_HOUSEHOLDS = 10
PLANT_UNHOUSED_PERSONS = 20
PLANT_DUPLICATE_IDS = 5

M_PER_DEG_LAT = 110_950.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(25.05))

# Where each street/town's communities are laid out (lat_min, lat_max, lon_min, lon_max), inside
# 洛江's real extent (24.93–25.22 N, 118.55–118.80 E); the urban streets sit around 24.96 N 118.67 E.
ZONES: dict[str, tuple[float, float, float, float]] = {
    "350504001": (24.935, 24.985, 118.645, 118.705),  # 万安街道
    "350504002": (24.985, 25.030, 118.600, 118.680),  # 双阳街道
    "350504100": (24.990, 25.215, 118.550, 118.600),  # 罗溪镇
    "350504101": (25.030, 25.140, 118.600, 118.690),  # 马甲镇
    "350504102": (24.990, 25.110, 118.690, 118.800),  # 河市镇
    "350504200": (25.140, 25.220, 118.600, 118.760),  # 虹山乡
}
DISTRICT_BOX = (24.93, 25.22, 118.55, 118.80)


def _weights(spec: str) -> Weighted[str]:
    """'陈13 林9 …' → a distribution over single-character surnames."""
    return Weighted([(tok[0], float(tok[1:])) for tok in spec.split()])


def _words(spec: str) -> list[str]:
    return spec.split()


# Surnames as common in 泉州 (陈、林、黄… lead), and nationally for people from elsewhere.
LOCAL_SURNAMES = _weights(
    "陈13.0 林9.0 黄8.0 王5.0 李4.5 张4.0 吴4.0 刘3.0 "
    "蔡3.5 郑3.5 苏2.0 庄2.0 许2.0 洪1.8 杨1.8 何1.0 谢1.2 "
    "周1.0 郭1.2 邱0.8 傅0.8 施1.0 曾1.0 柯0.8 颜0.7 戴0.6 "
    "肖0.6 潘0.7 卢0.6 方0.6 龚0.5 詹0.5 康0.4 连0.4 骆0.3 "
    "留0.3 尤0.4 余0.5 徐0.6 叶0.7 "
)
NATIONAL_SURNAMES = _weights(
    "王7.1 李7.0 张6.7 刘5.4 陈4.5 杨3.1 黄2.2 赵2.1 吴2.0 "
    "周1.9 徐1.5 孙1.5 马1.4 朱1.3 胡1.3 郭1.2 何1.2 罗1.1 "
    "高1.1 林1.0 梁0.9 宋0.9 郑0.8 谢0.8 韩0.8 唐0.8 冯0.8 "
    "曹0.7 彭0.7 曾0.7 邓0.7 肖0.6 "
)
# Given-name characters by sex and by when the person was born.
GIVEN = {
    ("M", 0): "金水福德木土添财国庆文忠荣明清泉源发旺振坤炳火宗顺春生秋辉",
    ("F", 0): "秀英兰珠梅凤玉珍桂花春香美琴月霞宝锦素丽淑碧娥彩",
    ("M", 1): "伟强明建志斌军杰勇华鹏辉东海峰斌鑫毅亮晓俊辉锋松超磊",
    ("F", 1): "芳丽娟敏燕艳玲婷静雪霞红慧琳萍妹丹颖莉晶佳雅云",
    ("M", 2): "宇浩子轩睿博涵泽铭浚锦逸俊晨阳煜钧梓豪航哲宸恒凯",
    ("F", 2): "欣怡诗涵梓萱雨婷佳琪晨可馨悦妍思彤语嘉琳一菲若茜",
}

# Streets of the urban area, for addresses.
ROADS = _words(
    "万安西路 万新路 安吉路 双阳路 塘西路 桥南路 福厦路 万盛路 秀峰路 朝阳路 阳山路 江滨北路 坪山路 南山路 河市路 罗溪路 马甲路 新阳路 前洋路 万虹路"
)
ESTATE_HEADS = _words(
    "阳光 锦绣 滨江 紫荆 万安 刺桐 清源 桂园 融侨 星光 金山 学府 碧水 翠园 龙湖 世纪 东方 江南 双阳 洛阳 安泰 福林 海丝 书香 嘉园 丰盛 御景 悦城 云山 天骄"
)
ESTATE_TAILS = _words("花园 新村 名苑 家园 公寓 华庭 小区 雅居 佳园 府 城 里")
VILLAGE_HEADS = "后前上下东西南北新大小顶尾内外中"
VILLAGE_CORES = "垵厝坑洋坂埔山岭溪林田墩坪寮兜头格宅埕园井美塘"

AREA_QUANZHOU_OTHER = _words("350502 350503 350505 350521 350524 350525 350526 350581 350582 350583")
AREA_FUJIAN_OTHER = _words("350102 350104 350203 350206 350322 350402 350602 350702 350802 350902")
AREA_OTHER_PROVINCES = _words(
    "360102 360781 361102 510104 510722 511623 520102 522422 500101 500235 410102 411723 340102 "
    "341221 430124 431021 420102 421125 530102 532128 450102"
)
PHONE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 170 173 175 176 "
    "177 178 180 181 182 183 185 186 187 188 189 191 193 195 198 199"
)

HOUSEHOLD_SIZE = Weighted([(1, 0.20), (2, 0.27), (3, 0.22), (4, 0.16), (5, 0.09), (6, 0.04), (7, 0.02)])
# Residence type of a household, urban and rural. With the spouses who married in from elsewhere
# (see ``community``) the district lands near 户籍 75 %, 常住 10 %, 流动 10 %, 人户分离 5 %.
RESIDENCE = {
    True: Weighted(
        [
            (ResidenceType.REGISTERED, 0.69),
            (ResidenceType.RESIDENT, 0.10),
            (ResidenceType.FLOATING, 0.15),
            (ResidenceType.SEPARATED, 0.06),
        ]
    ),
    False: Weighted(
        [
            (ResidenceType.REGISTERED, 0.84),
            (ResidenceType.RESIDENT, 0.05),
            (ResidenceType.FLOATING, 0.07),
            (ResidenceType.SEPARATED, 0.04),
        ]
    ),
}
MINORITY = Weighted([("畲族", 0.55), ("回族", 0.30), ("苗族", 0.05), ("土家族", 0.05), ("壮族", 0.05)])
DISABILITY = Weighted(
    [
        (DisabilityCategory.PHYSICAL, 0.45),
        (DisabilityCategory.VISUAL, 0.13),
        (DisabilityCategory.HEARING, 0.12),
        (DisabilityCategory.SPEECH, 0.02),
        (DisabilityCategory.INTELLECTUAL, 0.07),
        (DisabilityCategory.MENTAL, 0.08),
        (DisabilityCategory.MULTIPLE, 0.13),
    ]
)
DISABILITY_GRADE = Weighted([(1, 0.1), (2, 0.2), (3, 0.3), (4, 0.4)])

CERTIFICATE_MARK = {
    CertificateLevel.ASSISTANT: "Z",
    CertificateLevel.SOCIAL_WORKER: "S",
    CertificateLevel.SENIOR: "G",
}
DEPARTMENTS = ["民政局", "住建局", "卫健局", "城管局", "人社局", "公安分局", "市场监管局", "教育局"]
TRAININGS = [
    ("社区工作者能力提升培训", "洛江区民政局"),
    ("网格员业务培训", "洛江区委政法委"),
    ("社会工作实务培训", "泉州市民政局"),
    ("民政政策法规培训", "洛江区民政局"),
    ("应急管理与安全生产培训", "洛江区应急管理局"),
    ("基层治理数字化应用培训", "洛江区委组织部"),
    ("养老服务与关爱巡访培训", "洛江区民政局"),
    ("矛盾纠纷调解培训", "洛江区司法局"),
    ("个人信息保护与数据安全培训", "洛江区委网信办"),
    ("社区志愿服务管理培训", "洛江区委文明办"),
]


def community_short_name(name: str) -> str:
    """'万福社区居委会' → '万福社区', '双溪村委会' → '双溪村'."""
    if name.endswith("居委会"):
        return name[:-3]
    if name.endswith("村委会"):
        return name[:-2]
    return name


def urban_of(region: Region) -> bool:
    """A community's class: kept when set, otherwise by its name (居委会/社区 → urban)."""
    if region.urban_rural:
        return region.urban_rural == UrbanRural.URBAN
    return region.name.endswith(("居委会", "社区"))
