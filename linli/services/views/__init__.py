"""Pages of the services module: the resident's phone pages and the staff's desktop pages.

One module per concern — ``resident`` (directory, booking, my bookings, 办事), ``staff`` (the
directory's management, slots and bookings), ``lists`` (needs, resources, projects, matching) and
``window`` (一窗受理) — beside ``common`` (menu, staff gate, how a refusal is shown). Every write
reads its input through a form of ``linli.services.forms`` and calls one service; a refusal is put
on the form with the service's code and the page is shown again with its messages.
"""

from linli.services.views.common import nav
from linli.services.views.lists import match_confirm, matching_page, needs, projects, resources
from linli.services.views.resident import book, booking_action, detail, directory, my_bookings, window_mine
from linli.services.views.staff import manage, service_admin, service_edit, staff_booking
from linli.services.views.window import application, window

__all__ = [
    "application",
    "book",
    "booking_action",
    "detail",
    "directory",
    "manage",
    "match_confirm",
    "matching_page",
    "my_bookings",
    "nav",
    "needs",
    "projects",
    "resources",
    "service_admin",
    "service_edit",
    "staff_booking",
    "window",
    "window_mine",
]
