"""四个不漏 in the registry's API: the counts per child region, and the rows behind one check."""

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from linli.core.api import ERRORS, OneOf, Pagination, acting_user
from linli.core.models import User
from linli.core.roles import REGISTRY_READERS, require_role
from linli.core.scope import scoped
from linli.regions.models import Region
from linli.regions.schemas import RegionRef
from linli.registry.api._common import Masked
from linli.registry.selectors import CHECKS, audit_entries, four_no_miss

router = Router()

CHECK_KEYS = [k for k, _ in CHECKS]


class CheckOut(Schema):
    key: str
    label: str


class FourNoMissRow(Schema):
    region: RegionRef
    counts: dict[str, int]
    total: int


class FourNoMissOut(Schema):
    region: RegionRef
    checks: list[CheckOut]
    rows: list[FourNoMissRow] = Field(description="每个下级区划一行")
    total: FourNoMissRow


def _audit_region(user: User, code: str) -> Region:
    require_role(user, REGISTRY_READERS, "本账号的角色不能查看四个不漏")
    code = code or user.region_code
    if not code:
        raise ValidationError({"region": [ValidationError("请指定区域编码", code="audit.region_required")]})
    return scoped(Region.objects.current(), user).get(code=code)


@router.get(
    "/audit/four-no-miss",
    response={200: FourNoMissOut, **ERRORS},
    summary="四个不漏：各下级区划的问题数",
    description="楼不漏户、户不漏人、居不漏格、格不漏楼和重复登记；只计本账号数据范围内的数据。",
)
def four_no_miss_view(request: HttpRequest, region: str = "") -> dict[str, Any]:
    user = acting_user(request)
    r = _audit_region(user, region)
    rows, total = four_no_miss(user=user, region=r)
    checks = [{"key": k, "label": label} for k, label in CHECKS]
    return {"region": r, "checks": checks, "rows": rows, "total": total}


class AuditDetailOut(Schema):
    kind: str = Field(alias="entry_kind", description="person / household / building")
    id: int
    name: str
    code: str
    id_number: Masked = Field(description="公民身份号码（脱敏；仅人员）")
    address: str
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")


@router.get(
    "/audit/four-no-miss/{check}",
    response={200: list[AuditDetailOut], **ERRORS},
    summary="四个不漏：某项检查的明细",
)
@paginate(Pagination)
def four_no_miss_detail(
    request: HttpRequest,
    check: Annotated[str, OneOf(CHECK_KEYS, blank=False, description="检查项")],
    region: str = "",
) -> Any:
    user = acting_user(request)
    return audit_entries(user=user, region=_audit_region(user, region), check=check)
