"""Personal-data fields: encrypted at rest, masked by default, blind-indexed for lookup.

A value read from an ``EncryptedField`` is a ``SensitiveValue``: ``str()`` of it, and so every
template, admin page, API schema and export that forgets to think about it, gives the masked
form. Only ``reveal()`` gives the plain value, and ``linli.core.services.personal_reveal`` is
the one place pages and the API call it for a person, writing the audit record.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.db import models

from linli.core.engine.crypto import MASKERS, FieldCipher


@cache
def cipher() -> FieldCipher:
    return FieldCipher.from_spec(settings.FIELD_KEYS)


class SensitiveValue:
    """A decrypted personal value that prints masked."""

    __slots__ = ("_plain", "kind")

    def __init__(self, plain: str, kind: str):
        self._plain = plain
        self.kind = kind

    def reveal(self) -> str:
        return self._plain

    @property
    def masked(self) -> str:
        return MASKERS[self.kind](self._plain)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<{self.kind} {self.masked}>"

    def __bool__(self) -> bool:
        return bool(self._plain)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SensitiveValue):
            return self._plain == other._plain
        if isinstance(other, str):
            return self._plain == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._plain)


class _SensitiveDescriptor:
    """Wraps whatever is assigned (a plain string from a form, a factory or the database) in a
    SensitiveValue, so the attribute prints masked however the instance was made."""

    def __init__(self, field: EncryptedField):
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type) -> Any:
        if instance is None:
            return self
        return instance.__dict__.get(self.field.attname)

    def __set__(self, instance: models.Model, value: Any) -> None:
        if value is not None and not isinstance(value, SensitiveValue):
            value = SensitiveValue(str(value), self.field.kind)
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.TextField):
    """A personal value (``kind`` = "id_number" or "phone") stored as an AES-GCM token.

    ``index_field`` names the sibling ``CharField`` holding the blind index; it is kept in step on
    every save and bulk insert (declare it after this field). Lookups other than ``isnull`` are
    refused: search by the blind index instead.
    """

    # For django-stubs: instances hold SensitiveValue (see _SensitiveDescriptor), assigned from str.
    _pyi_private_set_type: str | SensitiveValue  # type: ignore[assignment]
    _pyi_private_get_type: SensitiveValue  # type: ignore[assignment]

    def __init__(self, *args: Any, kind: str = "id_number", index_field: str = "", **kwargs: Any):
        self.kind = kind
        self.index_field = index_field
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if self.index_field:
            kwargs["index_field"] = self.index_field
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _SensitiveDescriptor(self))

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> SensitiveValue | None:
        if value is None:
            return None
        if value == "":
            return SensitiveValue("", self.kind)
        return SensitiveValue(cipher().decrypt(value, self.context), self.kind)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, SensitiveValue):
            return value
        return SensitiveValue(str(value), self.kind)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        plain = value.reveal() if isinstance(value, SensitiveValue) else str(value)
        return cipher().encrypt(plain, self.context) if plain else ""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if self.index_field:
            plain = value.reveal() if isinstance(value, SensitiveValue) else (value or "")
            setattr(model_instance, self.index_field, cipher().blind_index(plain) if plain else "")
        return value

    def get_lookup(self, lookup_name: str):  # type: ignore[no-untyped-def]
        if lookup_name != "isnull":
            raise TypeError(f"{self.name} 已加密，不能按 {lookup_name} 查询；请用盲索引查找")
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return str(value) if value is not None else ""


def blind_lookup(index_field: str, plain: str) -> models.Q:
    """Q object matching ``plain`` under every configured key (works during rotation)."""
    return models.Q(**{f"{index_field}__in": cipher().blind_indexes(plain)})
