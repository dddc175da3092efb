"""Address search: the buildings, estates and villages of the account's district, for the forms that
place something without a map tap (the resident's 我要反映)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from linli.core.models import AuthedHttpRequest
from linli.registry.forms import ListFilterForm
from linli.registry.selectors import address_search as selectors_address_search


@login_required
@require_GET
def address_search(request: AuthedHttpRequest) -> JsonResponse:
    """JSON ``{"results": [{id, name, address, community, lat, lon}]}``: places no finer than a building."""
    q = ListFilterForm(request.GET).values()["q"]
    hits = selectors_address_search(user=request.user, q=q)
    return JsonResponse({"results": [h.as_dict() for h in hits]})
