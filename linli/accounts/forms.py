"""Forms of 账号管理: page input goes through these, then to the same services as the API."""

from __future__ import annotations

from typing import Any

from django import forms

from linli.accounts.engine import RANK
from linli.accounts.selectors import manager_code
from linli.core.models import User
from linli.core.roles import Role, effective_role
from linli.regions.models import Region
from linli.registry.models import Organisation


def grantable_roles(by: User) -> list[tuple[str, str]]:
    """The roles ``by`` may give (below their own), highest first."""
    own = effective_role(by)
    limit = RANK[own] if own != Role.SYSTEM_ADMIN else RANK[Role.SYSTEM_ADMIN]
    roles = [(v, label) for v, label in Role.choices if RANK[v] < limit]
    return sorted(roles, key=lambda r: -RANK[r[0]])


class RegionCodeField(forms.CharField):
    """A region chosen by its statistical code (a select offers the likely ones)."""

    def clean(self, value: Any) -> Region | None:  # type: ignore[override]
        code = super().clean(value)
        if not code:
            return None
        region = Region.objects.current().filter(code=code.strip()).first()
        if region is None:
            raise forms.ValidationError("没有这个区域", code="accounts.region_unknown")
        return region


class AccountSearchForm(forms.Form):
    q = forms.CharField(label="账号、姓名或区域", required=False, max_length=64)
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部角色"), *Role.choices])
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("active", "启用"), ("must_change", "待本人修改密码"), ("inactive", "已停用")],
    )


MORE_AS_CHECKBOXES = 40  # more offered regions than this: a multiple select instead of checkboxes


class _GrantForm(forms.Form):
    role = forms.ChoiceField(label="角色")
    region = RegionCodeField(label="绑定区域", max_length=15)
    more_regions = forms.MultipleChoiceField(
        label="另负责的区域",
        required=False,
        help_text="一人负责几个网格（或社区）时勾选其余的，须与绑定区域同一级别",
    )
    organisation = forms.ModelChoiceField(
        label="所属单位", queryset=Organisation.objects.none(), required=False, empty_label="（无）"
    )

    def __init__(self, *args: Any, by: User, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = grantable_roles(by)
        choices = [(r.code, f"{r.name}（{r.code}）") for r in regions]
        self.fields["region"].widget = forms.Select(choices=choices)
        more = self.fields["more_regions"]
        assert isinstance(more, forms.MultipleChoiceField)
        bound = str(self.initial.get("region") or "")
        held = set(self.initial.get("more_regions") or [])
        choices = [c for c in choices if not bound or len(c[0]) == len(bound)]  # the bound region's level
        if len(choices) > MORE_AS_CHECKBOXES and len(bound) > 6:  # many: the bound region's neighbours
            choices = [c for c in choices if c[0].startswith(bound[:-3]) or c[0] in held]
            more.help_text = (
                "一人负责几个网格（或社区）时勾选其余的（同一上级之内；跨社区的请用批量开通或接口）"
            )
        more.choices = choices = [c for c in choices if c[0] != bound]
        if not choices:  # nothing else at that level to offer: no empty list on the page
            del self.fields["more_regions"]
        more.widget = (
            forms.CheckboxSelectMultiple(choices=choices)
            if len(choices) <= MORE_AS_CHECKBOXES
            else forms.SelectMultiple(choices=choices, attrs={"size": 8})
        )
        self._offered = {r.code: r for r in regions}
        code = manager_code(by)
        orgs = Organisation.objects.filter(active=True).select_related("region")
        if code:
            orgs = orgs.filter(region__code__startswith=code)
        org_field = self.fields["organisation"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = orgs.order_by("name")

    def clean_more_regions(self) -> list[Region]:
        codes = self.cleaned_data.get("more_regions") or []  # absent when nothing was offered
        return [self._offered[c] for c in codes if c in self._offered]


class AccountOpenForm(_GrantForm):
    username = forms.CharField(
        label="账号名", max_length=150, help_text="登录用，3 位以上字母、数字或 _ . @ + -"
    )
    field_order = ["username", "role", "region", "more_regions", "organisation"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _open_form_labels(self)


class AccountChangeForm(_GrantForm):
    pass


def _open_form_labels(form: AccountOpenForm) -> None:
    org_field = form.fields["organisation"]
    assert isinstance(org_field, forms.ModelChoiceField)
    org_field.empty_label = "（不填：沿用名册中的单位）"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因", max_length=200, min_length=2, help_text="如：调离岗位、退休、误停用"
    )


class AccountImportForm(forms.Form):
    file = forms.FileField(label="账号清单（Excel 或 CSV）")
    dry_run = forms.BooleanField(label="只检查，不开通", required=False)


class PersonLinkRequestForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(label="身份证号", max_length=18, min_length=18)


class PersonLinkDecideForm(forms.Form):
    confirm = forms.TypedChoiceField(
        label="核对结果",
        choices=[("1", "已核对身份证件，同意关联"), ("0", "不同意")],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label="说明", max_length=200, required=False)
