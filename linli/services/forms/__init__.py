"""Page forms of the services module: they read the inputs (same names as the templates' inputs),
look up what is chosen within the account's scope, and hand the values to a service; the service's
refusal goes back onto the form with its code (``add_service_error``)."""

from linli.services.forms.common import ActionForm, ListFilterForm, error_messages
from linli.services.forms.directory import (
    TAG_CHOICES,
    BookForm,
    BookingActionForm,
    DirectoryFilterForm,
    ServiceFilterForm,
    ServiceForm,
    SlotsForm,
    StaffBookingForm,
)
from linli.services.forms.hours import WeekHoursField, WeekHoursWidget
from linli.services.forms.lists import (
    MatchConfirmForm,
    MatchingFilterForm,
    NeedFilterForm,
    NeedForm,
    ProjectAdvanceForm,
    ProjectForm,
    ResourceFilterForm,
    ResourceForm,
)
from linli.services.forms.window import (
    ApplicationActForm,
    ApplyForm,
    CheckForm,
    IntakeForm,
    WindowFilterForm,
)

__all__ = [
    "ActionForm",
    "TAG_CHOICES",
    "ApplicationActForm",
    "ApplyForm",
    "BookForm",
    "BookingActionForm",
    "CheckForm",
    "DirectoryFilterForm",
    "IntakeForm",
    "ListFilterForm",
    "MatchConfirmForm",
    "MatchingFilterForm",
    "NeedFilterForm",
    "NeedForm",
    "ProjectAdvanceForm",
    "ProjectForm",
    "ResourceFilterForm",
    "ResourceForm",
    "ServiceFilterForm",
    "ServiceForm",
    "SlotsForm",
    "StaffBookingForm",
    "WeekHoursField",
    "WeekHoursWidget",
    "WindowFilterForm",
    "error_messages",
]
