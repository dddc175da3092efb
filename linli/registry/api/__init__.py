"""The registry part of the JSON API: persons, households, buildings, organisations, staff, 四个不漏,
imports and exports — one router built from a module per concern.

Reads go through ``linli.registry.selectors`` (which apply ``linli.core.scope``), writes through
``linli.registry.services``. An object outside the account's scope is a 404, exactly as if it did
not exist; a write the account's role may not make is a 403. ID and phone numbers are always
masked (``str()`` of the ``SensitiveValue``); the full value comes only from ``/reveal``, which
writes the audit record, and from an export with ``full=1``, which is audited like every export.
"""

from ninja import Router

from linli.registry.api import audit, directory, exports, imports, persons, places
from linli.registry.api.persons import PersonFilterIn, PersonIn, PersonPatch

__all__ = ["PersonFilterIn", "PersonIn", "PersonPatch", "router"]

router = Router(tags=["基础数据"])
for part in (persons, places, directory, audit, imports, exports):
    # Operation ids stay those of the one module this package grew from (``linli_registry_api_<view>``),
    # so that clients generated from the OpenAPI document keep their method names.
    for view in part.router.path_operations.values():
        for operation in view.operations:
            operation.operation_id = f"linli_registry_api_{operation.view_func.__name__}"
    router.add_router("", part.router)
