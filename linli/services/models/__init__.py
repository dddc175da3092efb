"""三项清单与随约服务: the service directory, needs, resources, projects, bookings and one-window items.

The plans ask each community to keep three lists — the residents' needs (居民需求清单), the
community's resources (社区资源清单) and the service projects that answer them (服务项目清单) — and to
match them; residents book services at any time (随约服务); government service items are taken in at
one window (一窗受理) and approved in the back office. The directory is exchanged as Open Referral
HSDS 3.0 (``linli.services.hsds``).

One module per concern (``directory``, ``lists``, ``window``); every model is importable from here.
"""

from linli.services.models.directory import (
    ACTIVE_BOOKING,
    Booking,
    BookingStatus,
    FeeKind,
    Service,
    ServiceKind,
    ServiceStatus,
    Slot,
    SlotStatus,
    TaxonomyTerm,
)
from linli.services.models.lists import (
    PROJECT_STAGES,
    FundingSource,
    Need,
    NeedSource,
    NeedStatus,
    OfferedBy,
    Period,
    Project,
    ProjectEvent,
    ProjectStage,
    Resource,
    ResourceKind,
    ResourceStatus,
    Urgency,
)
from linli.services.models.window import (
    Application,
    ApplicationCounter,
    ApplicationStatus,
    ApplicationStep,
    ExcludedTask,
    HandlingLevel,
    ServiceItem,
)

__all__ = [
    "ACTIVE_BOOKING",
    "Application",
    "ApplicationCounter",
    "ApplicationStatus",
    "ApplicationStep",
    "Booking",
    "BookingStatus",
    "ExcludedTask",
    "FeeKind",
    "FundingSource",
    "HandlingLevel",
    "Need",
    "NeedSource",
    "NeedStatus",
    "OfferedBy",
    "PROJECT_STAGES",
    "Period",
    "Project",
    "ProjectEvent",
    "ProjectStage",
    "Resource",
    "ResourceKind",
    "ResourceStatus",
    "Service",
    "ServiceItem",
    "ServiceKind",
    "ServiceStatus",
    "Slot",
    "SlotStatus",
    "TaxonomyTerm",
    "Urgency",
]
