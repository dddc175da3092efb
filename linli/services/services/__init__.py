"""Writes of the services module: each one function, keyword-only, atomic, scope-checked.

One module per concern — ``directory`` (services and their slots), ``bookings``, ``lists`` (needs,
resources, projects and matching) and ``window`` (一窗受理) — beside ``common`` (who is staff,
eligibility, the negative list, coded errors); this package is their one public surface.

Every rule that two people acting at once could break is a constraint of the database or one
conditional UPDATE; the writer that loses gets a ``Conflict`` with a stable code, never a server
error. Every other refusal is a ``ValidationError`` whose message carries a code
(``booking.closed``, ``need.description_required`` …) or a 403 with one (``services.staff_only``).
"""

from linli.core.errors import Conflict
from linli.services.services.bookings import (
    booking_cancel,
    booking_confirm,
    booking_create,
    booking_rate,
    booking_reschedule,
    booking_serve,
    bookings_remind,
    bookings_remind_task,
)
from linli.services.services.common import (
    STAFF_ROLES,
    check_not_excluded,
    eligibility,
    is_staff,
    person_groups,
    require_staff,
    tag_label,
)
from linli.services.services.directory import SERVICE_FIELDS, service_save, slots_generate
from linli.services.services.lists import (
    match_confirm,
    need_close,
    need_create,
    project_advance,
    project_create,
    resource_create,
)
from linli.services.services.window import (
    APPLICATION_NUMBER_SEQUENCE,
    APPLICATION_NUMBER_TRIES,
    NEXT,
    application_act,
    application_number_next,
    application_submit,
    service_item_create,
)

__all__ = [
    "APPLICATION_NUMBER_SEQUENCE",
    "APPLICATION_NUMBER_TRIES",
    "NEXT",
    "SERVICE_FIELDS",
    "STAFF_ROLES",
    "Conflict",
    "application_act",
    "application_number_next",
    "application_submit",
    "booking_cancel",
    "booking_confirm",
    "booking_create",
    "booking_rate",
    "booking_reschedule",
    "booking_serve",
    "bookings_remind",
    "bookings_remind_task",
    "check_not_excluded",
    "eligibility",
    "is_staff",
    "match_confirm",
    "need_close",
    "need_create",
    "person_groups",
    "project_advance",
    "project_create",
    "require_staff",
    "resource_create",
    "service_item_create",
    "service_save",
    "slots_generate",
    "tag_label",
]
