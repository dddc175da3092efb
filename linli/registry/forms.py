"""Forms of the registry pages: every page input, and the list pages' GET filters. They collect
text; the services validate and save, and their coded refusals land on the form's fields."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.core.engine.text import clean_name, clean_text
from linli.registry.engine.rows import RELATIONS, RESIDENCE
from linli.registry.models import ETHNICITIES, DisabilityCategory, PersonStatus, StatusEventKind, TagKind
from linli.registry.selectors import PersonFilter
from linli.registry.services import HOUSEHOLD_LABELS

_REL = [("", "—")] + [
    (k, k) for k in ("户主", "配偶", "子女", "父母", "孙子女", "祖父母", "兄弟姐妹", "儿媳/女婿", "其他")
]
assert all(k in RELATIONS for _, k in _REL[1:])


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(
        label="公民身份号码", max_length=18, required=False, help_text="填写后性别、出生日期由号码自动得出"
    )
    sex = forms.ChoiceField(label="性别", choices=[("", "—"), ("男", "男"), ("女", "女")], required=False)
    birth_date = forms.CharField(
        label="出生日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    household_code = forms.CharField(label="户编号", max_length=32, required=False)
    relation = forms.ChoiceField(label="与户主关系", choices=_REL, required=False)
    residence_type = forms.ChoiceField(label="居住类型", choices=[(k, k) for k in RESIDENCE])
    ethnicity = forms.ChoiceField(label="民族", choices=[(e, e) for e in ETHNICITIES])
    region_code = forms.CharField(
        label="所属网格编码",
        max_length=15,
        required=False,
        help_text="无户编号时必填：15 位网格编码或 12 位社区代码",
    )
    note = forms.CharField(label="备注", max_length=200, required=False)

    def clean_name(self) -> str:
        return _cleaned(clean_name, self.cleaned_data["name"])

    def clean_note(self) -> str:
        return _cleaned(clean_text, self.cleaned_data["note"])


def _cleaned(rule: Callable[[str], str], value: str) -> str:
    """``rule`` (``linli.core.engine.text``) applied to a form value; its ValueError becomes the field's error."""
    try:
        return rule(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class StatusChangeForm(forms.Form):
    """迁出 / 迁入 / 死亡 on the person page (the checks are ``person_status_change``'s)."""

    kind = forms.ChoiceField(
        label="变更",
        choices=[
            (StatusEventKind.MOVED_OUT, "迁出"),
            (StatusEventKind.DECEASED, "死亡"),
            (StatusEventKind.MOVED_IN, "迁入（恢复在册）"),
        ],
    )
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label="说明（选填）", required=False, max_length=200)


class TagForm(forms.Form):
    kind = forms.ChoiceField(label="标签", choices=TagKind.choices)
    valid_from = forms.DateField(label="起始日期", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    disability_category = forms.ChoiceField(
        label="残疾类别", required=False, choices=[("", "—")] + list(DisabilityCategory.choices)
    )
    disability_grade = forms.TypedChoiceField(
        label="残疾等级",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), (1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")],
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def clean_note(self) -> str:
        return _cleaned(clean_text, self.cleaned_data["note"])


class HouseholdForm(forms.Form):
    """登记户: the texts as typed; ``household_create`` validates them (same messages as the API)."""

    code = forms.CharField(label=HOUSEHOLD_LABELS["code"], required=False, strip=False)
    region_code = forms.CharField(label=HOUSEHOLD_LABELS["region_code"], required=False, strip=False)
    building_code = forms.CharField(label=HOUSEHOLD_LABELS["building_code"], required=False, strip=False)
    unit = forms.CharField(label=HOUSEHOLD_LABELS["unit"], required=False, strip=False)
    room = forms.CharField(label=HOUSEHOLD_LABELS["room"], required=False, strip=False)
    address = forms.CharField(label=HOUSEHOLD_LABELS["address"], required=False, strip=False)


class PersonPrefillForm(forms.Form):
    """登记人员 opened from a household's or a region's page: the household or region to fill in."""

    household = forms.CharField(required=False, strip=False)
    region = forms.CharField(required=False, strip=False)

    def values(self) -> dict[str, str]:
        self.is_valid()
        return {k: self.cleaned_data.get(k, "") for k in self.fields}


class RevealForm(forms.Form):
    """查看完整信息: the reason, checked and audited by ``personal_reveal``."""

    reason = forms.CharField(required=False, strip=False)


# --- list filters (GET): lenient, as links and bookmarks carry them; an odd value filters nothing --------


class ListFilterForm(forms.Form):
    """The filters every list page shares: a search text, a region code and the page number."""

    q = forms.CharField(required=False)
    region = forms.CharField(required=False)
    page = forms.CharField(required=False, strip=False)

    def values(self) -> dict[str, Any]:
        """The cleaned filters (empty when the form is unbound)."""
        self.is_valid()
        return {k: self.cleaned_data.get(k, "") for k in self.fields}


class KindFilterForm(ListFilterForm):
    """A list filtered also by kind (buildings, organisations, staff)."""

    kind = forms.CharField(required=False)


class RunFilterForm(forms.Form):
    """The import run a page shows (``?run=``); anything else is no run."""

    run = forms.IntegerField(required=False, min_value=1)

    def values(self) -> dict[str, Any]:
        return {"run": self.cleaned_data.get("run") if self.is_valid() else None}


class AuditForm(ListFilterForm):
    """四个不漏: the region (the account's own by default) and the check whose rows are listed."""

    check = forms.CharField(required=False)


class PersonFilterForm(forms.Form):
    """The person list's filters as the page and its exports send them (``PersonFilter``)."""

    q = forms.CharField(required=False)
    region = forms.CharField(required=False)
    tag = forms.CharField(required=False, strip=False)
    residence_type = forms.CharField(required=False, strip=False)
    sex = forms.CharField(required=False, strip=False)
    age_min = forms.CharField(required=False)
    age_max = forms.CharField(required=False)
    status = forms.CharField(required=False, strip=False)
    no_household = forms.CharField(required=False, strip=False)

    def clean_age_min(self) -> int | None:
        return _age(self.cleaned_data["age_min"])

    def clean_age_max(self) -> int | None:
        return _age(self.cleaned_data["age_max"])

    def clean_status(self) -> str:
        """在册 unless the filter says otherwise; an empty status means every status."""
        return str(self.cleaned_data["status"]) if "status" in self.data else PersonStatus.ACTIVE

    def clean_no_household(self) -> bool:
        return bool(self.cleaned_data["no_household"] == "1")

    def to_filter(self) -> PersonFilter:
        self.is_valid()
        return PersonFilter(**{k: self.cleaned_data[k] for k in self.fields})


def _age(text: str) -> int | None:
    return int(text) if text.isdigit() else None


class ImportForm(forms.Form):
    """导入: the file, whether to check it only, and the mode (只新增 / 新增并更新); the importer
    validates every row."""

    file = forms.FileField(required=False)
    dry_run = forms.CharField(required=False)
    mode = forms.ChoiceField(choices=[("update", "新增并更新"), ("create", "只新增")], required=False)

    def clean_mode(self) -> str:
        return str(self.cleaned_data["mode"] or "update")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is None:
            raise ValidationError("请选择要上传的文件", code="import.file_missing")
        if not (upload.name or "").lower().endswith((".xlsx", ".csv")):
            raise ValidationError("只支持 .xlsx 和 .csv 文件", code="import.file_type")
        return upload

    def clean_dry_run(self) -> bool:
        return bool(self.cleaned_data["dry_run"] == "1")


class ExportForm(forms.Form):
    """导出: the file format, and for unmasked values the reason (``export_record`` checks both)."""

    format = forms.CharField(required=False)
    full = forms.CharField(required=False)
    reason = forms.CharField(required=False, strip=False)

    def clean_format(self) -> str:
        return str(self.cleaned_data["format"] or "xlsx")

    def clean_full(self) -> bool:
        return bool(self.cleaned_data["full"] == "1")
