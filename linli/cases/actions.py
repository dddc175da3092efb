"""Form or API data → one workflow action of a request (shared by the pages and the API, so neither
imports the other): the units and the merge target are looked up here, within what the account may
see, and the matching service is called."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from linli.cases import selectors, services
from linli.cases.models import Case
from linli.regions.models import Region
from linli.registry.models import Organisation


def perform(case: Case, user: Any, data: dict[str, Any]) -> Case:
    """Run one workflow action from form or API data (shared by the pages and the API)."""
    action, version, note = data["action"], int(data["version"]), (data.get("note") or "").strip()
    region = org = None
    # Only units over the request's place can take it; any other organisation reads as unknown.
    covering = Organisation.objects.select_related("region").filter(
        region__code__in=[*case.region.ancestors_codes(), case.region.code]
    )
    if data.get("unit_region"):
        region = Region.objects.current().filter(code=data["unit_region"]).first()
        if region is None:
            raise ValidationError({"unit": "未知的区划代码"})
    if data.get("unit_org"):
        org = covering.filter(pk=data["unit_org"]).first()
        if org is None:
            raise ValidationError({"unit": "未知的部门"})
    if action == "accept":
        return services.case_accept(case=case, by=user, version=version)
    if action in ("dispatch", "reassign"):
        return services.case_dispatch(
            case=case, by=user, region=region, organisation=org, version=version, note=note, action=action
        )
    if action == "summon":
        wanted = ([org.pk] if org is not None else []) + [
            o for o in data.get("orgs") or [] if org is None or o != org.pk
        ]
        orgs = list(covering.filter(pk__in=wanted))
        orgs.sort(key=lambda o: wanted.index(o.pk))  # the lead first
        return services.case_summon(case=case, by=user, organisations=orgs, version=version, note=note)
    if action == "return":
        return services.case_return(case=case, by=user, reason=note, version=version)
    if action == "start":
        return services.case_start(case=case, by=user, version=version)
    if action == "request_extension":
        return services.case_request_extension(
            case=case, by=user, days=int(data.get("days") or 0), reason=note, version=version
        )
    if action == "approve_extension":
        return services.case_approve_extension(case=case, by=user, version=version)
    if action == "escalate":
        return services.case_escalate(case=case, by=user, reason=note, version=version)
    if action == "reply":
        return services.case_reply(
            case=case, by=user, reply=note, resolved=bool(data.get("resolved", True)), version=version
        )
    if action == "rate":
        return services.case_rate(
            case=case, by=user, rating=data.get("rating") or "", comment=note, version=version
        )
    if action == "reopen":
        return services.case_reopen(case=case, by=user, note=note, version=version)
    if action == "close":
        return services.case_close(case=case, by=user, note=note, version=version)
    if action == "merge":
        into = selectors.visible_cases(user).filter(number=data.get("into") or "").first()
        if into is None:
            raise ValidationError({"into": "要并入的诉求不存在，或不在本账号的查看范围内"})
        return services.case_merge(case=case, into=into, by=user, version=version)
    if action == "remind":
        return services.case_remind(case=case, by=user, note=note, version=version)
    raise ValidationError({"action": "未知的操作"})
