"""基础数据: buildings, households, persons and their tags, organisations, staff and training.

"一次采集、多方使用": every module reads residents from here. ID and phone numbers are encrypted
(``EncryptedField``) and masked by default; every query goes through ``linli.core.scope``.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from linli.core.personal import EncryptedField


class BuildingKind(models.TextChoices):
    ESTATE = "estate", "小区"
    BUILDING = "building", "楼栋"
    NATURAL_VILLAGE = "natural_village", "自然村"
    HOUSE = "house", "自建房"


class Building(models.Model):
    """楼栋/小区/自然村: where households live. A 楼栋 may belong to a 小区 (``parent``)."""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField(
        "类型", max_length=20, choices=BuildingKind.choices, default=BuildingKind.BUILDING
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="所属小区/自然村",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属网格/社区",
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.FloatField("纬度（WGS-84）", null=True, blank=True)
    lon = models.FloatField("经度（WGS-84）", null=True, blank=True)
    floors = models.PositiveSmallIntegerField("层数", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "楼栋/小区/自然村"
        verbose_name_plural = "楼栋/小区/自然村"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="building_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180), name="building_lon_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """户: a household at an address (building, unit, room)."""

    code = models.CharField("户编号", max_length=32, unique=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属网格/社区",
        on_delete=models.PROTECT,
        related_name="households",
    )
    building = models.ForeignKey(
        Building,
        verbose_name="楼栋",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    unit = models.CharField("单元", max_length=16, blank=True)
    room = models.CharField("房号", max_length=16, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The household as people name it: its address, else its code."""
        return self.address or self.code


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    OTHER = "other", "其他"


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", "户籍"
    RESIDENT = "resident", "常住"
    FLOATING = "floating", "流动"
    SEPARATED = "separated", "人户分离"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    MOVED_OUT = "moved_out", "迁出"
    DECEASED = "deceased", "死亡"


ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]


class Person(models.Model):
    """人: a resident. ID and phone numbers are encrypted, blind-indexed and masked by default.

    Sex and birth date are derived from a valid ID number; ``region`` is the grid (or, until one is
    assigned, the community) the person is registered in, and anchors the data scope.

    One ID number, one registered person: a unique index on the blind index holds it, whatever
    writes at the same moment. It counts every person the office still answers for, the living
    (在册) and the dead (死亡: a death is kept on the record, and a number that comes back after one
    is a mistake or a fraud to look into, not a new resident). A person who moved out (迁出) gives
    the number up: moving back, or moving to another community of the city, is a new registration,
    and the old record stays as history beside it. ``legacy_duplicate`` marks the second and later
    records of a number registered more than once before the rule existed (the migration that made
    the rule marked them); they stay out of the index until someone resolves them through 四个不漏
    (重复登记), and nothing sets the mark again.
    """

    name = models.CharField("姓名", max_length=64)  # searched with __includes: a bigram index (core.search)
    id_number = EncryptedField("公民身份号码", kind="id_number", index_field="id_number_index")
    id_number_index = models.CharField("身份证号盲索引", max_length=40, blank=True, editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期", db_index=True)
    phone = EncryptedField("联系电话", kind="phone", index_field="phone_index")
    phone_index = models.CharField("电话盲索引", max_length=40, blank=True, editable=False)
    household = models.ForeignKey(
        Household,
        verbose_name="户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    relation = models.CharField("与户主关系", max_length=16, choices=Relation.choices, blank=True)
    residence_type = models.CharField(
        "居住类型", max_length=16, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    ethnicity = models.CharField("民族", max_length=16, default="汉族")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属网格/社区",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="persons",
    )
    status = models.CharField(
        "状态", max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    note = models.CharField("备注", max_length=200, blank=True)
    legacy_duplicate = models.BooleanField(
        "历史重复登记（待核查）", default=False, db_default=False, editable=False
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["region_id", "household_id", "id"]
        # (region, status) also serves lookups by region alone, so the foreign key has no index of its own.
        # The blind indexes are looked up whole, never by prefix: plain indexes (a ``db_index`` field
        # would get a second, ``varchar_pattern_ops`` one on PostgreSQL, written by every import for nothing).
        indexes = [
            models.Index(fields=["region", "status"], name="person_region_status"),
            models.Index(fields=["id_number_index"], name="person_id_number_index"),
            models.Index(fields=["phone_index"], name="person_phone_index"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="person_sex_valid"),
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~Q(id_number_index="") & ~Q(status="moved_out") & Q(legacy_duplicate=False),
                name="person_id_number_registered_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date | None = None) -> int:
        day = day or timezone.localdate()
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on()

    def tag_labels_on(self, day: dt.date) -> list[str]:
        """The tags valid on ``day``, led by the derived age tag (80周岁以上 or 60周岁以上), for lists
        and cards; reads ``tags`` (prefetch them for a list)."""
        age = self.age_on(day)
        out = [label for _, label, a in reversed(DERIVED_AGE_TAGS) if age >= a][:1]
        out += [str(t) for t in self.tags.all() if t.is_valid_on(day)]
        return out

    @property
    def tag_labels(self) -> list[str]:
        """The tags valid today (see ``tag_labels_on``)."""
        return self.tag_labels_on(timezone.localdate())


class TagKind(models.TextChoices):
    LIVING_ALONE = "living_alone", "独居"
    EMPTY_NEST = "empty_nest", "空巢"
    DISABLED = "disabled", "残疾"
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困"
    DIBAO_EDGE = "dibao_edge", "低保边缘"
    LEFT_BEHIND_CHILD = "left_behind_child", "留守儿童"
    LEFT_BEHIND_ELDERLY = "left_behind_elderly", "留守老人"
    LEFT_BEHIND_WOMAN = "left_behind_woman", "留守妇女"
    CHILD_IN_DIFFICULTY = "child_in_difficulty", "困境儿童"
    VETERAN = "veteran", "退役军人"
    KEY_CARE = "key_care", "重点关爱对象"
    BEDRIDDEN = "bedridden", "失能/卧床"
    PREGNANT = "pregnant", "孕产妇"
    SERIOUS_ILLNESS = "serious_illness", "重病"


# Tags derived from the birth date, never stored: (key, label, minimum age).
DERIVED_AGE_TAGS = [("elderly_60", "60周岁以上老年人", 60), ("elderly_80", "80周岁以上高龄老人", 80)]


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", "视力残疾"
    HEARING = "hearing", "听力残疾"
    SPEECH = "speech", "言语残疾"
    PHYSICAL = "physical", "肢体残疾"
    INTELLECTUAL = "intellectual", "智力残疾"
    MENTAL = "mental", "精神残疾"
    MULTIPLE = "multiple", "多重残疾"


class StatusEventKind(models.TextChoices):
    MOVED_OUT = "moved_out", "迁出"
    MOVED_IN = "moved_in", "迁入"
    DECEASED = "deceased", "死亡"
    BORN = "born", "新生儿登记"


class PersonStatusEvent(models.Model):
    """人员状态变更: one dated change of a person's status (迁出, 迁入, 死亡, 新生儿登记), kept as history.

    Append-only: a correction is a new event (a 迁入 after a mistaken 迁出)."""

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.CASCADE, related_name="status_events"
    )
    kind = models.CharField("变更", max_length=12, choices=StatusEventKind.choices)
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(
        "core.User", verbose_name="登记人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "人员状态变更"
        verbose_name_plural = "人员状态变更"
        ordering = ["person_id", "-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["moved_out", "moved_in", "deceased", "born"]),
                name="person_status_event_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_kind_display()} {self.on}"


class PersonTagQuerySet(models.QuerySet["PersonTag"]):
    def valid_on(self, day: dt.date) -> PersonTagQuerySet:
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


class PersonTag(models.Model):
    """人员标签: a fact about a person with its validity period (e.g. 低保 from 2024-03 to 2025-02).

    Periods of the same tag of one person never overlap: ``person_tag_add`` checks under a lock on
    the person, and a unique index keeps at most one open-ended period of each tag per person.
    """

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField("标签", max_length=32, choices=TagKind.choices, db_index=True)
    disability_category = models.CharField(
        "残疾类别", max_length=16, choices=DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = PersonTagQuerySet.as_manager()

    class Meta:
        verbose_name = "人员标签"
        verbose_name_plural = "人员标签"
        ordering = ["person_id", "kind", "valid_from"]
        indexes = [models.Index(fields=["kind", "valid_to"], name="tag_kind_valid_to")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="tag_valid_period",
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="tag_disability_grade_1_4",
            ),
            models.CheckConstraint(
                condition=~Q(kind="disabled") | ~Q(disability_category=""),
                name="tag_disabled_has_category",
            ),
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(valid_to__isnull=True), name="tag_one_open_period"
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.kind == TagKind.DISABLED:
            label += f"（{self.get_disability_category_display()}{self.disability_grade or ''}级）"
        return label

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)

    @property
    def label(self) -> str:
        """The tag as shown: its kind, with the disability's category and grade."""
        return str(self)

    @property
    def current(self) -> bool:
        """Whether the tag is valid today."""
        return self.is_valid_on(timezone.localdate())


class OrganisationKind(models.TextChoices):
    SOCIAL_ORG = "social_org", "社会组织"
    PROPERTY_COMPANY = "property_company", "物业服务企业"
    RESIDENT_UNIT = "resident_unit", "驻区单位"
    DEPARTMENT = "department", "政府部门"
    SOCIAL_WORK_STATION = "social_work_station", "社工站"
    VOLUNTEER_TEAM = "volunteer_team", "志愿服务队伍"
    COMMITTEE = "committee", "村（居）委会"
    OTHER = "other", "其他"


class Organisation(models.Model):
    """组织: social organisations, property companies, resident units, departments and others."""

    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类型", max_length=24, choices=OrganisationKind.choices)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所在区域",
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=64, blank=True)
    contact_phone = models.CharField("办公电话", max_length=32, blank=True)
    active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="organisation_credit_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffKind(models.TextChoices):
    COMMUNITY_WORKER = "community_worker", "社区工作者"
    GRID_WORKER = "grid_worker", "网格员"
    SOCIAL_WORKER = "social_worker", "社会工作者"


class CertificateLevel(models.TextChoices):
    NONE = "", "无"
    ASSISTANT = "assistant", "助理社会工作师"
    SOCIAL_WORKER = "social_worker", "社会工作师"
    SENIOR = "senior", "高级社会工作师"


class Staff(models.Model):
    """工作人员: community workers (with post), grid workers (with their grids), social workers."""

    name = models.CharField("姓名", max_length=64)
    kind = models.CharField("类别", max_length=24, choices=StaffKind.choices)
    post = models.CharField("岗位/职务", max_length=64, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所在社区/街道",
        on_delete=models.PROTECT,
        related_name="staff",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="所在单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    grids = models.ManyToManyField(
        "regions.Region", verbose_name="负责网格", blank=True, related_name="grid_staff"
    )
    phone = EncryptedField("联系电话", kind="phone", index_field="phone_index")
    phone_index = models.CharField("电话盲索引", max_length=40, blank=True, db_index=True, editable=False)
    certificate_level = models.CharField(
        "社工职业资格", max_length=16, choices=CertificateLevel.choices, blank=True
    )
    certificate_no = models.CharField("证书编号", max_length=40, blank=True)
    started_on = models.DateField("入职日期", null=True, blank=True)
    active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(certificate_level="") | ~Q(certificate_no=""), name="staff_certificate_has_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def grid_codes(self) -> list[str]:
        """The codes of the grids this worker serves (prefetch ``grids`` for a list)."""
        return [g.code for g in self.grids.all()]


class Training(models.Model):
    """培训记录: a training a staff member attended, with its dates and hours."""

    staff = models.ForeignKey(
        Staff, verbose_name="工作人员", on_delete=models.CASCADE, related_name="trainings"
    )
    title = models.CharField("培训名称", max_length=120)
    organiser = models.CharField("主办单位", max_length=120, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = "培训记录"
        verbose_name_plural = "培训记录"
        ordering = ["staff_id", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="training_dates_order"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.start_date:%Y-%m-%d}）"


class RegionCounter(models.TextChoices):
    """What ``RegionCount`` counts; each is a count of registry rows registered at one region."""

    PERSONS_ACTIVE = "persons_active", "在册人员"
    PERSONS_MOVED_OUT = "persons_moved_out", "迁出人员"
    PERSONS_DECEASED = "persons_deceased", "死亡人员"
    PERSONS_NO_HOUSEHOLD = "persons_no_household", "未入户的在册人员"
    PERSONS_DUPLICATE = "persons_duplicate", "身份证号重复的在册人员"
    HOUSEHOLDS = "households", "户"
    HOUSEHOLDS_EMPTY = "households_empty", "无在册人员的户"
    BUILDINGS = "buildings", "楼栋/小区/自然村"
    DWELLINGS_EMPTY = "dwellings_empty", "无户的楼栋"
    DWELLINGS_UNLOCATED = "dwellings_unlocated", "缺少坐标的楼栋"
    DWELLINGS_OUTSIDE_GRID = "dwellings_outside_grid", "落在网格边界外的楼栋"
    # the population figures of the indicators (常住人口, 户籍人口): in-register persons by residence
    PERSONS_RESIDENT = "persons_resident", "常住在册人员（不含人户分离）"
    PERSONS_REGISTERED = "persons_registered", "户籍在册人员（含人户分离）"
    # 重点人群 of the home pages; the ages as of the nightly recount (a birthday moves a person then)
    PERSONS_ELDERLY_60 = "persons_elderly_60", "60周岁以上在册人员"
    PERSONS_ELDERLY_80 = "persons_elderly_80", "80周岁以上在册人员"
    PERSONS_MINOR = "persons_minor", "未成年在册人员"
    PERSONS_FLOATING = "persons_floating", "流动在册人员"
    # 重点人群's care tags, valid on the day (a period that begins or ends moves a person at the recount)
    TAGGED_LIVING_ALONE = "tagged_living_alone", "独居在册人员"
    TAGGED_DISABLED = "tagged_disabled", "残疾在册人员"
    TAGGED_DIBAO = "tagged_dibao", "低保在册人员"
    TAGGED_TEKUN = "tagged_tekun", "特困在册人员"
    TAGGED_LEFT_BEHIND_CHILD = "tagged_left_behind_child", "留守儿童在册人员"
    TAGGED_VETERAN = "tagged_veteran", "退役军人在册人员"


# the tags ``RegionCount`` counts (the home pages' 重点人群), each under its counter
TAG_COUNTERS: dict[str, str] = {
    TagKind.LIVING_ALONE: RegionCounter.TAGGED_LIVING_ALONE,
    TagKind.DISABLED: RegionCounter.TAGGED_DISABLED,
    TagKind.DIBAO: RegionCounter.TAGGED_DIBAO,
    TagKind.TEKUN: RegionCounter.TAGGED_TEKUN,
    TagKind.LEFT_BEHIND_CHILD: RegionCounter.TAGGED_LEFT_BEHIND_CHILD,
    TagKind.VETERAN: RegionCounter.TAGGED_VETERAN,
}


class RegionCount(models.Model):
    """区域计数: how many registry rows of one kind (``counter``) are registered directly at ``region``.

    Kept by delta in the same transaction as every registry write (``services.counts``), rebuilt
    whole by the nightly job; a region's figure over its subtree is the sum of its rows by code range
    (``selectors.region_counts``, on the row's own copy of the code), so a district or the city sums
    a few thousand index entries, not millions of rows.
    A missing row is a zero.
    """

    region = models.ForeignKey(
        "regions.Region", verbose_name="区域", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    counter = models.CharField("计数项", max_length=32, choices=RegionCounter.choices)
    n = models.IntegerField("数量", default=0)
    # the region's code, copied when the row is written (a code never changes): a subtree's sum is a
    # range of the (counter, code, n) index, read without visiting the regions
    code = models.CharField("区域编码", max_length=32, default="")

    class Meta:
        verbose_name = "区域计数"
        verbose_name_plural = "区域计数"
        ordering = ["region_id", "counter"]
        constraints = [
            models.UniqueConstraint(fields=["region", "counter"], name="region_count_unique"),
        ]
        indexes = [models.Index(fields=["counter", "code", "n"], name="region_count_code")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.get_counter_display()} {self.n}"
