"""Forms of the registry pages. They collect text; the services validate and save."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError

from linli.core.engine.text import clean_name, clean_text
from linli.registry.engine.rows import RELATIONS, RESIDENCE
from linli.registry.models import ETHNICITIES, DisabilityCategory, TagKind

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


def add_service_errors(form: forms.Form, exc: Exception) -> None:
    """Copy a service's ValidationError onto the form, field by field."""
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, str(getattr(exc, "message", exc)))
