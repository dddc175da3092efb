"""Forms of the account pages: changing one's password, finding accounts, lifting a login lockout."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's password change form (current password, new password twice, the validators) in Chinese."""

    error_messages = {
        **DjangoPasswordChangeForm.error_messages,
        "password_incorrect": "当前密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "当前密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password1"].help_text = "至少 8 位；不能是常见密码，也不能全是数字。"
        self.fields["new_password2"].label = "再次输入新密码"
        self.fields["new_password2"].help_text = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        old, new = data.get("old_password"), data.get("new_password1")
        if old and new and old == new:
            self.add_error("new_password1", "新密码不能与当前密码相同。")
        return data


class AccountSearchForm(forms.Form):
    q = forms.CharField(label="账号或姓名", max_length=150, required=False)


class UnlockForm(forms.Form):
    username = forms.CharField(label="账号", max_length=255)
