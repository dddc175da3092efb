"""Forms of the account pages (changing one's password, finding accounts, lifting a login lockout), and
``add_service_error``, how every page puts a service's refusal on its form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError

from linli.core.errors import error_code


def add_service_error(
    form: forms.Form, exc: ValidationError | PermissionDenied, *, field: str | None = None
) -> None:
    """Put a service's refusal on ``form`` with its code kept (``form.errors.as_data()`` then answers
    the code the API answers): each message of a field on that field — or on the one the form's
    ``ERROR_FIELDS`` maps it to, or on the form as a whole when it has no such field —; a refusal
    without a field, and a refusal of role or scope, on ``field`` (the form as a whole by default)."""
    if isinstance(exc, PermissionDenied):
        message = str(getattr(exc, "detail", "") or exc) or "本账号无权进行此操作"
        form.add_error(field, ValidationError(message, code=error_code(exc)))
    elif hasattr(exc, "error_dict"):
        aliases: dict[str, str] = getattr(form, "ERROR_FIELDS", {})
        for key, errors in exc.error_dict.items():
            name = aliases.get(key, key)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc)


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


class AuditLogFilterForm(forms.Form):
    """The audit log page's filters (GET). A value that does not parse is left out, as if not given."""

    action = forms.CharField(required=False)
    actor = forms.CharField(label="操作人账号", max_length=150, required=False)
    subject = forms.CharField(label="对象", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" and "to" are the names the page's inputs and links carry (Python keywords, so added here).
        self.fields["from"] = forms.DateField(label="起", required=False, input_formats=["%Y-%m-%d"])
        self.fields["to"] = forms.DateField(label="止", required=False, input_formats=["%Y-%m-%d"])

    def filters(self) -> dict[str, Any]:
        """The valid filters, as keyword arguments of ``linli.core.selectors.audit_entries``."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "action": data.get("action") or "",
            "actor_contains": data.get("actor") or "",
            "subject_contains": data.get("subject") or "",
            "date_from": data.get("from"),
            "date_to": data.get("to"),
        }
