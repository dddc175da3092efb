"""What the services module's page forms share: scoped look-ups by code or id, and a service's error
put on the form with its code kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.core.models import User
from linli.core.scope import scoped
from linli.regions.models import Region
from linli.registry.models import Organisation
from linli.services import selectors
from linli.services.models import TaxonomyTerm

INT = {"invalid": "应为整数"}
NUMBER = {"invalid": "应为数字"}


class UserForm(forms.Form):
    """A form whose look-ups are limited to what ``user`` may see."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def region_of(self, code: str) -> Region | None:
        """The current region of ``code`` in the account's scope (None: the service says what is missing)."""
        if not code:
            return None
        return scoped(Region.objects.current(), self.user).filter(code=code).first()

    def person_of(self, text: str) -> Any:
        """The one person ``text`` names in the account's scope (None when blank); the selector's error
        (``person.not_found``, ``person.ambiguous``) becomes this field's."""
        try:
            return selectors.person_find(self.user, text)
        except ValidationError as exc:
            raise ValidationError([e for errors in exc.error_dict.values() for e in errors]) from exc

    def organisation_of(self, pk: int | None, field: str) -> Organisation | None:
        """The organisation chosen (None when none is): absent and out of scope read alike."""
        if pk is None:
            return None
        org = scoped(Organisation.objects.all(), self.user).filter(pk=pk).first()
        if org is None:
            raise ValidationError(f"单位 {pk} {selectors.ABSENT}", code="organisation.not_found")
        return org


class ListFilterForm(forms.Form):
    """The GET filters of a list page; ``values`` gives every filter ("" when absent or not valid)."""

    page = forms.IntegerField(required=False)

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or ("" if name != "page" else None) for name in self.fields}


class ActionForm(forms.Form):
    """Which of a page's forms was posted (its hidden ``action`` input)."""

    action = forms.CharField(required=False)

    def value(self) -> str:
        self.is_valid()
        return str(self.cleaned_data.get("action", ""))


def term_of(code: str) -> TaxonomyTerm | None:
    return TaxonomyTerm.objects.filter(code=code).first() if code else None


def error_messages(form: forms.Form) -> list[str]:
    """Every message of ``form``, in field order (what the page shows at its top)."""
    return [str(m) for errors in form.errors.values() for m in errors]
