"""What every write of the services module shares: who is staff, eligibility, the negative list, and
the coded errors the writes raise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from linli.core.errors import Forbidden, invalid
from linli.core.models import User
from linli.core.roles import REGISTRY_WRITERS, Role, effective_role
from linli.core.scope import OutOfScope
from linli.registry.models import DERIVED_AGE_TAGS, Person, PersonTag, TagKind
from linli.services.engine import schedule
from linli.services.models import ExcludedTask, Service

STAFF_ROLES = REGISTRY_WRITERS | {Role.STREET_COORDINATOR}


def is_staff(user: User) -> bool:
    return effective_role(user) in STAFF_ROLES


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise Forbidden("本账号不能管理服务清单", code="services.staff_only")


def out_of_scope(message: str, code: str) -> OutOfScope:
    """OutOfScope (403) with a stable code: the person or object is not the account's to act on."""
    exc = OutOfScope(message)
    exc.code = code  # type: ignore[attr-defined]
    return exc


def clean_model(obj: models.Model, *, exclude: list[str] | None = None, thing: str) -> None:
    """``full_clean`` whose every error carries a code ``<thing>.<Django's code>`` (``service.blank``)."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ValidationError(
            {
                field: [
                    ValidationError(e.message, code=f"{thing}.{e.code or 'invalid'}", params=e.params)
                    for e in errors
                ]
                for field, errors in exc.error_dict.items()
            }
        ) from exc


def hours_error(exc: schedule.ScheduleError) -> ValidationError:
    """A schedule the hours engine refused, on the field it names."""
    return invalid(exc.field, str(exc), exc.code)


def person_groups(person: Person, day: dt.date | None = None) -> list[str]:
    """The person's target groups on ``day``: registry tag kinds and the derived age groups."""
    day = day or timezone.localdate()
    kinds = sorted(set(PersonTag.objects.valid_on(day).filter(person=person).values_list("kind", flat=True)))
    age = person.age_on(day)
    return [key for key, _label, minimum in DERIVED_AGE_TAGS if age >= minimum] + kinds


def eligibility(service: Service, *, region_code: str, groups: Iterable[str], age: int | None) -> str:
    """ "" when a resident of ``region_code`` with ``groups`` and ``age`` may use ``service``, else why not."""
    if not region_code.startswith(service.region.code):
        return f"仅限{service.region.name}居民"
    wanted = set(service.eligible_tags or [])
    if wanted and not wanted & set(groups):
        return "仅限" + "、".join(tag_label(t) for t in sorted(wanted))
    if age is not None and service.min_age is not None and age < service.min_age:
        return f"仅限 {service.min_age} 周岁以上"
    if age is not None and service.max_age is not None and age > service.max_age:
        return f"仅限 {service.max_age} 周岁以下"
    return ""


def tag_label(key: str) -> str:
    derived = {k: label for k, label, _ in DERIVED_AGE_TAGS}
    if key in derived:
        return derived[key]
    try:
        return str(TagKind(key).label)
    except ValueError:
        return key


def check_not_excluded(text: str, *, field: str = "name") -> None:
    """Refuse a task or certificate that the 社区工作负面清单 / 证明事项清单 keeps away from communities."""
    for item in ExcludedTask.objects.all():
        words = [item.name, *item.keywords]
        if any(w and w in text for w in words):
            raise invalid(
                field,
                f"“{text}”属于{item.get_kind_display().split('（')[0]}负面清单中的“{item.name}”，"
                f"不能作为社区事项受理；应由{item.handled_by or '相关部门'}办理（依据：{item.basis}）。",
                "window.excluded_task",
            )
