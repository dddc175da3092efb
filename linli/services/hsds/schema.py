"""HSDS 3.0 files: their names, the taxonomies Linli adds, and the validation of a folder against the
schema files (``settings.LINLI_HSDS_SCHEMA_DIR``, else ``<repository>/../shared/standards/hsds-3.0/schema``)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from linli.services.models import ServiceStatus

NS = uuid.NAMESPACE_OID
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FILES = {
    "services.json": "service.json",
    "organizations.json": "organization.json",
    "locations.json": "location.json",
    "service_at_locations.json": "service_at_location.json",
    "taxonomies.json": "taxonomy.json",
    "taxonomy_terms.json": "taxonomy_term.json",
}
TAX_CATEGORY, TAX_KIND, TAX_GROUP, TAX_BOOKING = (
    "linli-services",
    "linli-service-kind",
    "linli-target-group",
    "linli-booking",
)
STATUS_OUT: dict[str, str] = {
    ServiceStatus.ACTIVE: "active",
    ServiceStatus.SUSPENDED: "temporarily closed",
    ServiceStatus.CLOSED: "inactive",
}
STATUS_IN = {
    "active": ServiceStatus.ACTIVE,
    "temporarily closed": ServiceStatus.SUSPENDED,
    "inactive": ServiceStatus.CLOSED,
    "defunct": ServiceStatus.CLOSED,
}


class HsdsError(ValueError):
    """An HSDS folder that cannot be used; ``errors`` lists each problem (file, item, path, message)."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or []


def schema_dir() -> Path | None:
    """The folder of the HSDS 3.0 schema files, or None when none is found."""
    configured = settings.LINLI_HSDS_SCHEMA_DIR
    path = (
        Path(configured)
        if configured
        else Path(settings.BASE_DIR).parent / "shared" / "standards" / "hsds-3.0" / "schema"
    )
    return path if (path / "service.json").is_file() else None


def validators(directory: Path | None = None) -> dict[str, Any]:
    """One jsonschema validator per HSDS object file name, resolving the schemas' relative $refs."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    directory = directory or schema_dir()
    if directory is None:
        raise HsdsError("找不到 HSDS 3.0 模式文件目录（设置 LINLI_HSDS_SCHEMA_DIR）")
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(body, default_specification=DRAFT202012))
        for name, body in schemas.items()
    )
    return {
        name: Draft202012Validator(schemas[name], registry=registry, format_checker=FormatChecker())
        for name in set(FILES.values())
    }


def validate_folder(
    folder: Path, directory: Path | None = None
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Read and validate every known file of ``folder``: (documents by file, error messages)."""
    checks = validators(directory)
    docs: dict[str, list[dict[str, Any]]] = {}
    errors: list[str] = []
    if not (folder / "services.json").is_file():
        return docs, [f"{folder} 中没有 services.json"]
    for fname, schema_name in FILES.items():
        path = folder / fname
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            errors.append(f"{fname}：不是有效的 JSON（{exc}）")
            continue
        if not isinstance(data, list):
            errors.append(f"{fname}：应为 JSON 数组")
            continue
        for i, doc in enumerate(data):
            for err in sorted(checks[schema_name].iter_errors(doc), key=lambda e: list(e.absolute_path)):
                where = "/".join(str(p) for p in err.absolute_path) or "（整体）"
                errors.append(f"{fname} 第 {i + 1} 项 {where}：{err.message}")
        docs[fname] = data
    return docs, errors
