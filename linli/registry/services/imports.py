"""Imports of persons, households and buildings from a file (.xlsx/.csv): the whole file lands, or
nothing does and the report lists every problem (``linli.registry.services._streaming``).

A reference outside the account's scope (a region, a household, a building) reads exactly like an
unknown one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.tasks import task
from django.utils import timezone

from linli.core.bulk import insert_rows
from linli.core.errors import invalid
from linli.core.imports import (
    ImportOutcome,
    import_file_drop,
    import_file_keep,
    import_file_open,
    import_files_purge,
)
from linli.core.models import ImportRun, User
from linli.core.personal import cipher
from linli.core.roles import IMPORTERS as ROLE_IMPORTERS
from linli.core.roles import effective_role
from linli.core.scope import OutOfScope
from linli.core.tabular import Column, ErrorReport, estimate_rows
from linli.registry.engine import rows as rowcheck
from linli.registry.models import Building, Household, Person, PersonStatus
from linli.registry.services._common import (
    BUILDING_ABSENT,
    ETHNICITY_SET,
    HOUSEHOLD_ABSENT,
    ID_INDEX,
    ID_NUMBER_TAKEN,
    PARENT_ABSENT,
    PARENT_KINDS,
    REGION_ABSENT,
    violates,
)
from linli.registry.services._streaming import (
    BATCH_SIZE,
    Batch,
    CodedRows,
    CopyStream,
    Lookups,
    RegionCache,
    SeenKeys,
    clashing_key,
    run_import,
)
from linli.registry.services.columns import BUILDING_COLUMNS, HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from linli.registry.services.import_update import update_import

TAGS_CREATE_ONLY = "“只新增”方式不登记标签：请选择“新增并更新”，或清空此列"


def persons_import(
    *,
    raw: IO[bytes],
    filename: str,
    by: User,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    run: ImportRun | None = None,
) -> ImportOutcome:
    """Import persons (template PERSON_COLUMNS). Duplicate ID numbers in the file or already registered are errors.

    Every look-up happens before the stream starts (the account's regions) or through the side
    connection (households, registered ID numbers): the COPY's own connection runs nothing else.
    """
    today = timezone.localdate()
    regions = RegionCache(by)
    households: dict[str, tuple[int, int, str] | None] = {}
    seen = SeenKeys()  # the ID numbers' keys met so far in the file, with their first rows
    c = cipher()
    ctx_id = f"{Person._meta.label_lower}.id_number"
    ctx_phone = f"{Person._meta.label_lower}.phone"
    # Values as plain text, the form each backend stores (cheaper than a dumper per row and value).
    now = timezone.now()
    stamp = (
        now.isoformat()
        if connection.vendor == "postgresql"
        else connection.ops.adapt_datetimefield_value(now)
    )
    status_active = str(PersonStatus.ACTIVE)
    cols = [
        "name",
        "id_number",
        "id_number_index",
        "sex",
        "birth_date",
        "phone",
        "phone_index",
        "household_id",
        "relation",
        "residence_type",
        "ethnicity",
        "region_id",
        "status",
        "note",
        "created_at",
        "updated_at",
    ]
    head = {col.key: col.header for col in PERSON_COLUMNS}
    region_codes = {v: k for k, v in regions.by_code.items()}

    def clean(row: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        cleaned, problems = rowcheck.clean_person(row, ethnicities=ETHNICITY_SET, today=today)
        if row.get("tags", "").strip():
            problems.append(("tags", TAGS_CREATE_ONLY))
        return cleaned, problems

    # Stream through one COPY only when this import owns its transaction: a side connection sees
    # committed rows only, so inside a caller's open transaction look-ups must share its connection.
    streaming = connection.vendor == "postgresql" and not dry_run and not connection.in_atomic_block
    lookups = Lookups(side_connection=streaming)
    stream: list[CopyStream] = []

    def flush(
        batch: list[tuple[int, dict[str, Any]]],
        report: ErrorReport,
        check_only: bool,
        by_region: dict[str, int],
    ) -> int:
        missing = {p["household_code"] for _, p in batch if p["household_code"]} - households.keys()
        if missing:
            found = {code: (pk, rid, rcode) for code, pk, rid, rcode in lookups.households(list(missing))}
            for code in missing:
                households[code] = found.get(code)
        indexes: dict[int, list[str]] = {}  # row → blind index under every key (the first is current)
        numbered = [(n, p["id_number"], c.blind_indexes(p["id_number"])) for n, p in batch if p["id_number"]]
        keys = [int(every[0][:16], 16) for _, _, every in numbered]
        new: dict[int, int] = {}  # key → row, of this batch
        for (n, number, every), key, earlier in zip(numbered, keys, seen.first_rows(keys), strict=True):
            if first := earlier or new.get(key, 0):
                report.add(n, head["id_number"], f"与文件第 {first} 行的身份证号重复", number)
            else:
                new[key] = n
                indexes[n] = every
        seen.add(new)
        # asked now, answered below: the server looks the numbers up while the rows are encrypted
        registered = lookups.registered_soon([i for every in indexes.values() for i in every])
        out: list[tuple[Any, ...]] = []
        for n, p in batch:
            hh = None
            if p["household_code"]:
                hh = households.get(p["household_code"])
                if hh is None or hh[1] not in region_codes:
                    report.add(n, head["household_code"], HOUSEHOLD_ABSENT, p["household_code"])
                    continue
                if p["region_code"] and p["region_code"] != hh[2]:
                    report.add(n, head["region_code"], f"与该户所在网格 {hh[2]} 不一致", p["region_code"])
                region_id = hh[1]
            else:
                found_region = regions.get(p["region_code"]) if p["region_code"] else None
                if found_region is None:
                    if p["region_code"]:
                        report.add(n, head["region_code"], REGION_ABSENT, p["region_code"])
                    continue
                region_id = found_region
            code = region_codes[region_id]
            by_region[code] = by_region.get(code, 0) + 1
            if check_only or report:
                continue
            idn, phone = p["id_number"], p["phone"]
            out.append(
                (
                    p["name"],
                    c.encrypt(idn, ctx_id) if idn else "",
                    indexes[n][0] if n in indexes else "",
                    p["sex"],
                    p["birth_date"].isoformat(),  # COPY takes ISO text; cheaper than a date dumper per row
                    c.encrypt(phone, ctx_phone) if phone else "",
                    c.blind_index(phone) if phone else "",
                    hh[0] if hh else None,
                    p["relation"],
                    p["residence_type"],
                    p["ethnicity"],
                    region_id,
                    status_active,
                    p["note"],
                    stamp,
                    stamp,
                )
            )
        if taken := registered():
            for n, every in indexes.items():
                if taken.intersection(every):
                    report.add(n, head["id_number"], ID_NUMBER_TAKEN, dict(batch)[n]["id_number"])
        if report or check_only:
            return sum(1 for n, p in batch if n not in report.rows_with_errors)
        if streaming:
            if not stream:
                stream.append(CopyStream(Person, cols))
            stream[0].write(out)
            return len(out)
        try:
            with transaction.atomic():  # a savepoint: the rest of the file is still checked after a clash
                insert_rows(Person, cols, out)
        except IntegrityError as exc:
            if not violates(exc, *ID_INDEX):
                raise
            # The savepoint is gone and the connection free again: ask which rows' numbers are taken now.
            taken = lookups.registered([i for every in indexes.values() for i in every])
            values = dict(batch)
            for n, every in indexes.items():
                if taken.intersection(every):
                    report.add(n, head["id_number"], ID_NUMBER_TAKEN, values[n]["id_number"])
            if not report:
                registered_meanwhile(report, exc)
            return 0
        return len(out)

    def registered_meanwhile(report: ErrorReport, exc: Exception) -> None:
        """A number registered by someone else after this import checked it: the unique index refused it."""
        index = clashing_key(exc, "id_number_index")
        row = seen.get(int(index[:16], 16)) if index else None
        if row is None:
            report.add(
                1, head["id_number"], f"文件中有身份证号在导入期间被他人登记（{ID_NUMBER_TAKEN}），请重新导入"
            )
        else:
            report.add(row, head["id_number"], ID_NUMBER_TAKEN)

    def finish(report: ErrorReport) -> None:
        if not stream:
            return
        import psycopg

        try:
            stream.pop().close()
        except psycopg.errors.UniqueViolation as exc:
            if not violates(exc, *ID_INDEX):
                raise
            registered_meanwhile(report, exc)

    try:
        return run_import(
            kind="persons",
            raw=raw,
            filename=filename,
            by=by,
            dry_run=dry_run,
            columns=PERSON_COLUMNS,
            clean=clean,
            flush=flush,
            finish=finish,
            batch_size=batch_size,
            run=run,
        )
    finally:
        lookups.close()


def households_import(
    *,
    raw: IO[bytes],
    filename: str,
    by: User,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    run: ImportRun | None = None,
) -> ImportOutcome:
    """Import households (template HOUSEHOLD_COLUMNS). Each batch is looked up, then written with one
    COPY that ends before the next batch is read; a building must be in scope and in the community."""
    regions = RegionCache(by)
    head = {col.key: col.header for col in HOUSEHOLD_COLUMNS}
    coded = CodedRows(head=head, regions=regions, label="户编号", table="registry_household")
    now = timezone.now()
    cols = ["code", "region_id", "building_id", "unit", "room", "address", "created_at"]

    def flush(batch: Batch, report: ErrorReport, check_only: bool, by_region: dict[str, int]) -> int:
        codes = [p["code"] for _, p in batch]
        taken = set(Household.objects.filter(code__in=codes).values_list("code", flat=True))
        bcodes = {p["building_code"] for _, p in batch if p["building_code"]}
        buildings = {
            code: (pk, rcode, addr)
            for code, pk, rcode, addr in Building.objects.filter(code__in=bcodes).values_list(
                "code", "pk", "region__code", "address"
            )
        }
        out = []
        for n, p in batch:
            region_id = coded.check(n, p, report, taken)
            if region_id is None:
                continue
            b = buildings.get(p["building_code"]) if p["building_code"] else None
            if p["building_code"] and (
                b is None or regions.get(b[1]) is None or not b[1].startswith(p["region_code"][:12])
            ):
                report.add(n, head["building_code"], BUILDING_ABSENT, p["building_code"])
                continue
            by_region[p["region_code"]] = by_region.get(p["region_code"], 0) + 1
            address = p["address"] or (f"{b[2]}{p['unit']}{p['room']}" if b else "")
            out.append((p["code"], region_id, b[0] if b else None, p["unit"], p["room"], address, now))
        if report or check_only:
            return len(out)
        written = coded.write(lambda: insert_rows(Household, cols, out), report)
        return len(out) if written else 0

    return run_import(
        kind="households",
        raw=raw,
        filename=filename,
        by=by,
        dry_run=dry_run,
        columns=HOUSEHOLD_COLUMNS,
        clean=rowcheck.clean_household,
        flush=flush,
        batch_size=batch_size,
        run=run,
    )


def buildings_import(
    *,
    raw: IO[bytes],
    filename: str,
    by: User,
    dry_run: bool = False,
    batch_size: int = 1000,
    run: ImportRun | None = None,
) -> ImportOutcome:
    """Import buildings; a 楼栋 may name its 小区 by code, including one earlier in the same file.

    The 小区/自然村 named must lie in the account's scope, exactly as ``building_create`` demands:
    one outside it reads like an unknown code. Each batch's codes are looked up in one query first.
    """
    regions = RegionCache(by)
    parents_in_file: dict[str, int | None] = {}  # an estate/village accepted earlier in the file → its pk
    head = {col.key: col.header for col in BUILDING_COLUMNS}
    coded = CodedRows(head=head, regions=regions, label="楼栋编码", table="registry_building")

    def flush(batch: Batch, report: ErrorReport, check_only: bool, by_region: dict[str, int]) -> int:
        codes = [p["code"] for _, p in batch]
        taken = set(Building.objects.filter(code__in=codes).values_list("code", flat=True))
        wanted = {p["parent_code"] for _, p in batch if p["parent_code"]} - parents_in_file.keys()
        parents = {
            code: pk
            for code, pk, rcode in Building.objects.filter(
                code__in=wanted, kind__in=PARENT_KINDS
            ).values_list("code", "pk", "region__code")
            if regions.get(rcode) is not None
        }
        accepted: list[tuple[int, dict[str, Any], int]] = []  # (row, values, region pk)
        for n, p in batch:
            region_id = coded.check(n, p, report, taken)
            if region_id is None:
                continue
            if (
                p["parent_code"]
                and p["parent_code"] not in parents_in_file
                and p["parent_code"] not in parents
            ):
                report.add(n, head["parent_code"], PARENT_ABSENT, p["parent_code"])
                continue
            by_region[p["region_code"]] = by_region.get(p["region_code"], 0) + 1
            accepted.append((n, p, region_id))
            if p["kind"] in PARENT_KINDS and n not in report.rows_with_errors:
                parents_in_file[p["code"]] = None  # its key once it is written
        if report or check_only:
            return len(accepted)

        def write() -> None:
            for _, p, region_id in accepted:
                parent = p["parent_code"]
                b = Building.objects.create(
                    code=p["code"],
                    name=p["name"],
                    kind=p["kind"],
                    parent_id=(parents_in_file.get(parent) or parents.get(parent)) if parent else None,
                    region_id=region_id,
                    address=p["address"],
                    lat=p["lat"],
                    lon=p["lon"],
                    floors=p["floors"],
                )
                if b.kind in PARENT_KINDS:
                    parents_in_file[b.code] = b.pk

        written = coded.write(write, report)
        return len(accepted) if written else 0

    return run_import(
        kind="buildings",
        raw=raw,
        filename=filename,
        by=by,
        dry_run=dry_run,
        columns=BUILDING_COLUMNS,
        clean=rowcheck.clean_building,
        flush=flush,
        batch_size=batch_size,
        run=run,
    )


IMPORTERS: dict[str, tuple[str, list[Column], Callable[..., ImportOutcome]]] = {
    "persons": ("人员", PERSON_COLUMNS, persons_import),
    "households": ("户", HOUSEHOLD_COLUMNS, households_import),
    "buildings": ("楼栋/小区/自然村", BUILDING_COLUMNS, buildings_import),
}


# --- runs: a file received, checked, confirmed, imported (inline or in the background) ---------------

MODES = ("create", "update")
NOT_CONFIRMABLE = "这次预检不能再确认导入（已导入、有错误或文件已过期），请重新选择文件预检"


def import_receive(
    *, kind: str, mode: str, upload: IO[bytes], filename: str, by: User, dry_run: bool = True
) -> ImportRun:
    """Receive a file: keep it privately, record the run (queued) and check (or import) it at once,
    or in the background when it has more rows than ``LINLI_IMPORT_BACKGROUND_ROWS``."""
    if effective_role(by) not in ROLE_IMPORTERS:
        raise OutOfScope("本账号的角色不能导入基础数据")
    if kind not in IMPORTERS:
        raise invalid("kind", "未知的导入类型", "import.kind_unknown")
    if mode not in MODES:
        raise invalid("mode", "导入方式应为 create（只新增）或 update（新增并更新）", "import.mode_unknown")
    import_files_purge()
    run = ImportRun.objects.create(
        kind=kind,
        filename=filename[:200],
        actor=by,
        region_code=by.region_code,
        dry_run=dry_run,
        mode=mode,
        status=ImportRun.Status.QUEUED,
        rows=estimate_rows(upload, filename),
    )
    import_file_keep(run=run, upload=upload, filename=filename)
    return _start(run)


def import_commit(*, run: ImportRun, by: User) -> ImportRun:
    """确认导入: import the file a passed dry run checked, without choosing it again (a new run)."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().filter(pk=run.pk, actor=by).first()
        if locked is None or not locked.confirmable:
            raise invalid("run", NOT_CONFIRMABLE, "import.not_confirmable")
        commit = ImportRun.objects.create(
            kind=locked.kind,
            filename=locked.filename,
            actor=by,
            region_code=by.region_code,
            dry_run=False,
            mode=locked.mode,
            status=ImportRun.Status.QUEUED,
            rows=locked.rows,
            stored_file=locked.stored_file,
            source=locked,
        )
        locked.stored_file = ""  # the file now belongs to the import
        locked.save(update_fields=["stored_file"])
    return _start(commit)


def _start(run: ImportRun) -> ImportRun:
    if run.rows > settings.LINLI_IMPORT_BACKGROUND_ROWS:
        pk = run.pk
        transaction.on_commit(lambda: import_run_task.enqueue(pk))
        return run
    return import_execute(run=run)


def import_execute(*, run: ImportRun) -> ImportRun:
    """Run a queued import or dry run on its kept file; the file goes once it cannot be imported any more."""
    raw = import_file_open(run)
    if raw is None:
        run.status = ImportRun.Status.FAILED
        run.save(update_fields=["status"])
        return run
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status"])
    try:
        with raw:
            if run.mode == "update":
                outcome = update_import(
                    kind=run.kind, raw=raw, filename=run.filename, by=run.actor, dry_run=run.dry_run, run=run
                )
            else:
                outcome = IMPORTERS[run.kind][2](
                    raw=raw, filename=run.filename, by=run.actor, dry_run=run.dry_run, run=run
                )
    except Exception:
        run.status = ImportRun.Status.FAILED
        run.save(update_fields=["status"])
        import_file_drop(run)
        raise
    if not outcome.run.confirmable:
        import_file_drop(outcome.run)
    return outcome.run


@task()
def import_run_task(run_id: int) -> str:
    """An import or dry run too large for the request (safe to retry: only a queued run is taken)."""
    with transaction.atomic():
        run = (
            ImportRun.objects.select_for_update()
            .select_related("actor")
            .filter(pk=run_id, status=ImportRun.Status.QUEUED)
            .first()
        )
        if run is None:
            return "skipped"
        run.status = ImportRun.Status.RUNNING
        run.save(update_fields=["status"])
    return import_execute(run=run).status
