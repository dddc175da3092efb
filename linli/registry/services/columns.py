"""The import template's columns of persons, households and buildings: the keys every service reads,
the Chinese headers users see on the template and in every error message, and the export order."""

from __future__ import annotations

from linli.core.tabular import Column

PERSON_COLUMNS = [
    Column("name", "姓名", True, "", "张三"),
    Column(
        "id_number",
        "公民身份号码",
        False,
        "18 位，末位可为 X；填写后性别、出生日期由号码得出",
        "350504199001011232",
        sensitive="id_number",
    ),
    Column("sex", "性别", False, "男/女；无身份证号时必填", "男"),
    Column("birth_date", "出生日期", False, "YYYY-MM-DD；无身份证号时必填", "1990-01-01"),
    Column("phone", "联系电话", False, "11 位手机号或带区号的固定电话", "13812345678", sensitive="phone"),
    Column(
        "household_code", "户编号", False, "已登记的户；填写后人员归入该户所在网格", "350504001001001H00001"
    ),
    Column(
        "relation", "与户主关系", False, "户主/配偶/子女/父母/孙子女/祖父母/兄弟姐妹/儿媳/女婿/其他", "户主"
    ),
    Column("residence_type", "居住类型", False, "户籍/常住/流动/人户分离，默认户籍", "户籍"),
    Column("ethnicity", "民族", False, "默认汉族", "汉族"),
    Column(
        "region_code",
        "所属网格编码",
        False,
        "无户编号时必填：15 位网格编码或 12 位社区/村代码",
        "350504001001001",
    ),
    Column("note", "备注", False, "", ""),
    Column(
        "tags",
        "标签",
        False,
        "当前有效的标签，用“、”分隔（如 独居、低保）；“新增并更新”时按此列增减标签，"
        "留空表示不改，填“无”表示结束全部标签；残疾标签请在人员页面登记",
        "",
    ),
]
HOUSEHOLD_COLUMNS = [
    Column("code", "户编号", True, "全局唯一", "350504001001001H00001"),
    Column("region_code", "所属网格编码", True, "15 位网格编码或 12 位社区/村代码", "350504001001001"),
    Column("building_code", "楼栋编码", False, "已登记的楼栋", "350504001001001B0001"),
    Column("unit", "单元", False, "", "1单元"),
    Column("room", "房号", False, "", "101"),
    Column("address", "地址", False, "", "万安街道万福社区阳光花园1号楼1单元101"),
]
BUILDING_COLUMNS = [
    Column("code", "楼栋编码", True, "全局唯一", "350504001001001B0001"),
    Column("name", "名称", True, "", "阳光花园1号楼"),
    Column("kind", "类型", False, "小区/楼栋/自然村/自建房，默认楼栋", "楼栋"),
    Column("region_code", "所属网格编码", True, "15 位网格编码或 12 位社区/村代码", "350504001001001"),
    Column("parent_code", "所属小区编码", False, "楼栋所属的小区或自然村的编码", ""),
    Column("address", "地址", False, "", ""),
    Column("lat", "纬度", False, "WGS-84", "24.96"),
    Column("lon", "经度", False, "WGS-84", "118.67"),
    Column("floors", "层数", False, "", "18"),
]


def _labels(columns: list[Column]) -> dict[str, str]:
    """Field key → the Chinese name a user sees on the template and in every error message."""
    return {c.key: c.header for c in columns}


PERSON_LABELS = _labels(PERSON_COLUMNS)
HOUSEHOLD_LABELS = _labels(HOUSEHOLD_COLUMNS)
BUILDING_LABELS = _labels(BUILDING_COLUMNS)
