"""Writes of the registry: persons, households, buildings, tags, organisations, staff; imports and
exports. One public surface over modules by concern:

- ``persons``: register and change a person, their status and tags;
- ``places``: register a household or a building;
- ``imports`` (on ``_streaming``): whole-file imports of persons, households and buildings;
- ``exports``: export rows and the audit record of every export;
- ``organisations``: the registry rows other modules ask for (an organisation, a grid worker);
- ``columns``: the import template's columns and the field labels of every message;
- ``_common``: the refusals, the role gate and the region look-up they share.

Every function is keyword-only, runs in one transaction, checks the actor's data scope through
``linli.core.scope`` and refuses with a ``ValidationError`` whose messages are Chinese, name the field
and carry a stable code (``<thing>.<reason>``, e.g. ``household.code_taken``), or with a ``Conflict``
(``IdNumberTaken``, ``person.id_number_taken``) or a 403 (``OutOfScope``, ``forbidden``).
"""

from linli.registry.services._common import (
    BUILDING_ABSENT,
    ETHNICITY_SET,
    HOUSEHOLD_ABSENT,
    ID_INDEX,
    ID_NUMBER_TAKEN,
    PARENT_ABSENT,
    PARENT_KINDS,
    REGION_ABSENT,
    IdNumberTaken,
)
from linli.registry.services._streaming import BATCH_SIZE, Batch
from linli.registry.services.columns import (
    BUILDING_COLUMNS,
    BUILDING_LABELS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_LABELS,
    PERSON_COLUMNS,
    PERSON_LABELS,
)
from linli.registry.services.exports import (
    EXPORT_LABELS,
    ExportPlan,
    export_begin,
    export_building_rows,
    export_household_rows,
    export_person_rows,
    export_record,
    export_run_execute,
    export_task,
)
from linli.registry.services.import_update import OUTCOME_LABELS, update_import
from linli.registry.services.imports import (
    IMPORTERS,
    MODES,
    buildings_import,
    households_import,
    import_commit,
    import_execute,
    import_receive,
    import_run_task,
    persons_import,
)
from linli.registry.services.organisations import organisation_get_or_create, staff_assign_grid_worker
from linli.registry.services.persons import (
    id_number_facts,
    person_birth_register,
    person_create,
    person_set_status,
    person_status_change,
    person_tag_add,
    person_tag_end,
    person_update,
)
from linli.registry.services.places import building_create, household_create

__all__ = [
    "BATCH_SIZE",
    "BUILDING_ABSENT",
    "BUILDING_COLUMNS",
    "BUILDING_LABELS",
    "EXPORT_LABELS",
    "ETHNICITY_SET",
    "HOUSEHOLD_ABSENT",
    "HOUSEHOLD_COLUMNS",
    "HOUSEHOLD_LABELS",
    "ID_INDEX",
    "ID_NUMBER_TAKEN",
    "IMPORTERS",
    "MODES",
    "OUTCOME_LABELS",
    "PARENT_ABSENT",
    "PARENT_KINDS",
    "PERSON_COLUMNS",
    "PERSON_LABELS",
    "REGION_ABSENT",
    "Batch",
    "ExportPlan",
    "IdNumberTaken",
    "building_create",
    "buildings_import",
    "export_begin",
    "export_building_rows",
    "export_household_rows",
    "export_person_rows",
    "export_record",
    "export_run_execute",
    "export_task",
    "household_create",
    "households_import",
    "import_commit",
    "import_execute",
    "import_receive",
    "import_run_task",
    "id_number_facts",
    "organisation_get_or_create",
    "person_create",
    "person_birth_register",
    "person_set_status",
    "person_status_change",
    "person_tag_add",
    "person_tag_end",
    "person_update",
    "persons_import",
    "staff_assign_grid_worker",
    "update_import",
]
