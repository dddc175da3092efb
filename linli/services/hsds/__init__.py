"""The service directory as Open Referral HSDS 3.0 JSON: export, validation and import.

An export is a folder of JSON arrays, one file per HSDS object type — ``services.json`` (each service
with its schedules, service areas, cost options, contacts, phones, attributes and service-at-locations
nested, as the schema's ``service.json`` defines), ``organizations.json``, ``locations.json``,
``service_at_locations.json``, ``taxonomies.json`` and ``taxonomy_terms.json`` — and every element is
validated against the schema file of its type before anything is written (export) or read (import).

The schema files are not part of Linli: they are read from ``settings.LINLI_HSDS_SCHEMA_DIR`` (the
environment variable of that name), else ``<repository>/../shared/standards/hsds-3.0/schema``.
One module per concern: ``schema`` (files and validation), ``export`` and ``importer``.

Linli's own facts ride on standard fields: the service area's statistical code in
``service_areas[].extent`` (``extent_type`` ``statistical_code``), the category, kind and target groups
as ``attributes`` with taxonomy terms of the ``linli-*`` taxonomies, the weekly hours as ``WEEKLY``
schedules (``byday``, ``opens_at``, ``closes_at``) and closed days as schedules valid for one day.
"""

from linli.services.hsds.export import export, service_document
from linli.services.hsds.importer import ImportResult, import_folder
from linli.services.hsds.schema import FILES, HsdsError, schema_dir, validate_folder, validators

__all__ = [
    "FILES",
    "HsdsError",
    "ImportResult",
    "export",
    "import_folder",
    "schema_dir",
    "service_document",
    "validate_folder",
    "validators",
]
