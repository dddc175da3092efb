"""Benchmark: import synthetic persons from CSV and xlsx into SQLite and PostgreSQL, then export them.

Prints rows/second and peak memory (max RSS of the importing process) for each case, beside a
naive row-by-row ORM save (csv.DictReader → Person(...).save()) as the baseline, measured on the
same database. Each case runs in a fresh child process on a freshly migrated database.

The export is timed on the database the CSV import filled, in a fresh process, exactly as the
background task writes it (``export_begin`` + ``export_run_execute``: rows streamed from the database
in chunks, masked, xlsx in openpyxl's write-only mode, CSV line by line): rows/s and the peak memory
of that process (max RSS, which includes Python and Django themselves), beside the naive export a
view would write (``list(queryset)`` then an openpyxl workbook in normal mode) on the same rows.

    python bench/import_persons.py            # 1 000 000 rows (several minutes)
    python bench/import_persons.py --quick    # 20 000 rows
    python bench/import_persons.py --rows 2000000 --db postgresql --skip-xlsx --skip-export  # the city extrapolation
    python bench/import_persons.py --pg-url postgres://linli:linli@127.0.0.1/linli

PostgreSQL is used when --pg-url (or DATABASE_URL) is given; the script creates and drops a
database named ``<database>_bench`` on that server (``linli_bench`` for ``…/linli``). Target: ≥ 20 000 rows/s from CSV into PostgreSQL,
peak memory < 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GRIDS = 40
COMMUNITY = "350504001001"
HEADER = ["姓名", "公民身份号码", "联系电话", "与户主关系", "居住类型", "民族", "所属网格编码"]


def synth_rows(n: int):
    from linli.core.engine.idnumber import make

    surnames = "陈林黄王李张吴刘蔡郑许洪苏庄"
    given = "志明秀英建华丽娟伟强芳玲德福金水文杰婷颖晓宇"
    base = dt.date(1940, 1, 1)
    for i in range(n):
        day = base + dt.timedelta(days=i % 30000)
        sex = "M" if i % 2 else "F"
        idn = make("350504", day, i // 30000, sex)
        name = surnames[i % len(surnames)] + given[(i * 7) % len(given)] + given[(i * 13) % len(given)]
        phone = f"13{(i * 7919) % 1000000000:09d}" if i % 5 else ""
        yield [
            name,
            idn,
            phone,
            "户主" if i % 3 == 0 else "子女",
            "户籍",
            "汉族",
            f"{COMMUNITY}{(i % GRIDS) + 1:03d}",
        ]


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(synth_rows(n))


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人员")
    ws.append(HEADER)
    for row in synth_rows(n):
        ws.append(row)
    wb.save(path)


# --- child: one case in a fresh process -------------------------------------------------------------


def child(mode: str, path: str, limit: int) -> None:
    import resource

    import django

    django.setup()
    if mode.startswith("export"):
        export_child(mode, path)
        return
    from django.core.management import call_command

    from linli.core.models import User
    from linli.regions.models import Level, Region
    from linli.regions.services import division_import

    call_command("migrate", verbosity=0)
    division_import("350504")
    community = Region.objects.get(code=COMMUNITY)
    Region.objects.bulk_create(
        [
            Region(code=f"{COMMUNITY}{g:03d}", name=f"第{g}网格", level=Level.GRID, parent=community)
            for g in range(1, GRIDS + 1)
        ]
    )
    user = User.objects.create(
        username="bench", role="district_admin", region=Region.objects.get(code="350504")
    )
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="export_personal_data"))  # the export after
    t0 = time.perf_counter()
    if mode == "naive":
        rows = naive_import(Path(path), user, limit)
    else:
        from linli.registry.services import persons_import

        with open(path, "rb") as raw:
            outcome = persons_import(raw=raw, filename=Path(path).name, by=user)
        assert outcome.run.status == "done", outcome.report.as_dicts()[:5]
        rows = outcome.run.created
    seconds = time.perf_counter() - t0
    from linli.registry.models import Person

    assert Person.objects.count() == rows
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb}))


def export_child(mode: str, fmt: str) -> None:
    """Export every person of the district as the account ``bench`` (in the same process as a worker)."""
    import resource

    from linli.core.models import User

    user = User.objects.get(username="bench")
    t0 = time.perf_counter()
    if mode == "export-naive":
        rows = naive_export(user, Path(os.environ["LINLI_VAR_DIR"]) / "naive.xlsx")
    else:
        from linli.registry.services import export_begin, export_run_execute

        plan = export_begin(by=user, kind="persons", fmt=fmt, background=True)
        assert plan.run is not None
        run = export_run_execute(run_id=plan.run.pk)
        assert run.status == "done" and run.rows_done == plan.total, (run.status, run.rows_done, plan.total)
        rows = run.rows_done
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb}))


def naive_export(user, target: Path) -> int:
    """The baseline: every row loaded into a list, then a workbook built in memory (openpyxl's normal mode)."""
    from openpyxl import Workbook

    from linli.registry.selectors import person_list
    from linli.registry.services import PERSON_COLUMNS, export_person_rows

    persons = list(person_list(user=user))
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in PERSON_COLUMNS])
    for row in export_person_rows(persons, full=False):
        ws.append(row)
    wb.save(target)
    return len(persons)


def naive_import(path: Path, user, limit: int) -> int:
    """The baseline: what a straightforward Django view would do, one validated ORM save per row."""
    from django.utils import timezone

    from linli.core.engine import idnumber
    from linli.core.personal import blind_lookup
    from linli.regions.models import Region
    from linli.registry.models import Person

    regions = {r.code: r for r in Region.objects.all()}
    n = 0
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if n >= limit:
                break
            facts = idnumber.parse(row["公民身份号码"])
            if Person.objects.filter(
                blind_lookup("id_number_index", facts.number)
            ).exists():  # as a view would
                raise ValueError(f"duplicate ID on CSV row {n + 2}")
            Person(
                name=row["姓名"],
                id_number=facts.number,
                sex=facts.sex,
                birth_date=facts.birth_date,
                phone=row["联系电话"],
                relation="head",
                residence_type="registered",
                ethnicity="汉族",
                region=regions[row["所属网格编码"]],
                updated_at=timezone.now(),
            ).save()
            n += 1
    return n


def run_case(mode: str, path: Path | str, db_url: str, limit: int, var_dir: Path | None = None) -> dict:
    env = os.environ | {
        **({"LINLI_VAR_DIR": str(var_dir)} if var_dir else {}),
        "DATABASE_URL": db_url,
        "LINLI_TESTING": "1",
        "LINLI_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "linli.settings",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), str(limit)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{mode} on {db_url.split(':')[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_reset(pg_url: str) -> str:
    import psycopg

    base, name = pg_url.split("?", 1)[0].rsplit("/", 1)
    bench = f"{name or 'linli'}_bench"  # beside the given database: two benches on one server never meet
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:  # the given one may not exist
        conn.execute(f"DROP DATABASE IF EXISTS {bench}")
        conn.execute(f"CREATE DATABASE {bench}")
    return f"{base}/{bench}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="20 000 rows instead of 1 000 000")
    ap.add_argument("--rows", type=int)
    ap.add_argument("--naive-rows", type=int, help="rows for the row-by-row baseline (default 10 000)")
    ap.add_argument("--pg-url", default=os.environ.get("DATABASE_URL", ""))
    ap.add_argument("--skip-xlsx", action="store_true")
    ap.add_argument("--skip-export", action="store_true", help="time the import only (the 2 M-row run)")
    ap.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both")
    args = ap.parse_args()
    n = args.rows or (20_000 if args.quick else 1_000_000)
    naive_n = args.naive_rows or (2_000 if args.quick else 10_000)
    work = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    t0 = time.perf_counter()
    csv_path = work / "persons.csv"
    write_csv(csv_path, n)
    print(f"wrote {n:,} rows CSV in {time.perf_counter() - t0:.1f}s ({csv_path.stat().st_size / 1e6:.0f} MB)")
    files = [("csv", csv_path)]
    if not args.skip_xlsx:
        t0 = time.perf_counter()
        xlsx_path = work / "persons.xlsx"
        write_xlsx(xlsx_path, n)
        print(
            f"wrote {n:,} rows xlsx in {time.perf_counter() - t0:.1f}s ({xlsx_path.stat().st_size / 1e6:.0f} MB)"
        )
        files.append(("xlsx", xlsx_path))
    dbs = [("sqlite", lambda: f"sqlite:///{work / 'bench.sqlite3'}")] if args.db != "postgresql" else []
    if args.db == "sqlite":
        pass
    elif args.pg_url.startswith("postgres"):
        dbs.append(("postgresql", lambda: pg_reset(args.pg_url)))
    else:
        print("!! no --pg-url/DATABASE_URL: PostgreSQL cases skipped")
    results: dict[tuple[str, str], dict] = {}
    exports: dict[tuple[str, str], dict] = {}
    print(f"\n{'database':<11} {'source':<7} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
    for db, url in dbs:
        for label, path in [*files, ("naive", csv_path)]:
            if db == "sqlite":
                (work / "bench.sqlite3").unlink(missing_ok=True)
            db_url = url()
            r = run_case("naive" if label == "naive" else "import", path, db_url, naive_n)
            r["rate"] = r["rows"] / r["seconds"]
            results[(db, label)] = r
            name = "ORM save" if label == "naive" else label
            print(
                f"{db:<11} {name:<7} {r['rows']:>10,} {r['seconds']:>8.1f} {r['rate']:>9,.0f} {r['peak_mb']:>8.0f}"
            )
            if (
                label == "csv" and not args.skip_export
            ):  # export what the CSV import wrote, before the next case resets the database
                for fmt, mode in (("xlsx", "export"), ("csv", "export"), ("naive", "export-naive")):
                    e = run_case(mode, fmt, db_url, 0, var_dir=work)
                    e["rate"] = e["rows"] / e["seconds"]
                    exports[(db, fmt)] = e
                    shown = "export " + ("list+wb" if fmt == "naive" else fmt)
                    print(
                        f"{db:<11} {shown:<7} {e['rows']:>10,} {e['seconds']:>8.1f} {e['rate']:>9,.0f} "
                        f"{e['peak_mb']:>8.0f}"
                    )
    main_db = "postgresql" if ("postgresql", "csv") in results else "sqlite"
    shutil.rmtree(work, ignore_errors=True)
    ours, base = results[(main_db, "csv")], results[(main_db, "naive")]
    print(
        f"\nCSV into {main_db}: {ours['rate']:,.0f} rows/s vs row-by-row ORM {base['rate']:,.0f} rows/s "
        f"({ours['rate'] / base['rate']:.1f}×); peak {ours['peak_mb']:.0f} MB (target ≥ 20 000 rows/s, < 500 MB)"
    )
    # a city's whole registry at the rate measured (the rate holds: each batch's work does not grow
    # with the rows already written, see the per-batch look-ups in linli.registry.services._streaming)
    city_rows = 18_700_000
    print(
        f"18.7 M rows (广州) at {ours['rate']:,.0f} rows/s: {city_rows / ours['rate'] / 60:.0f} min "
        f"(extrapolated from {ours['rows']:,} rows)"
    )
    extra = ""
    if exports:
        ex, ex_base, ex_csv = (
            exports[(main_db, "xlsx")],
            exports[(main_db, "naive")],
            exports[(main_db, "csv")],
        )
        print(
            f"persons export (xlsx) from {main_db}: {ex['rate']:,.0f} rows/s, peak {ex['peak_mb']:.0f} MB; "
            f"CSV {ex_csv['rate']:,.0f} rows/s, peak {ex_csv['peak_mb']:.0f} MB; "
            f"list + in-memory workbook {ex_base['rate']:,.0f} rows/s, peak {ex_base['peak_mb']:.0f} MB"
        )
        extra = (
            f"export_rows_per_s={ex['rate']:.0f} export_peak_mb={ex['peak_mb']:.0f} "
            f"export_csv_rows_per_s={ex_csv['rate']:.0f} "
            f"export_baseline_rows_per_s={ex_base['rate']:.0f} export_baseline_peak_mb={ex_base['peak_mb']:.0f} "
        )
    # ratio = project time per row / baseline time per row (lower is better), for the import
    print(
        f"BENCH import_persons db={main_db} rows={ours['rows']} rows_per_s={ours['rate']:.0f} "
        f"peak_mb={ours['peak_mb']:.0f} baseline_rows_per_s={base['rate']:.0f} "
        f"city_minutes={city_rows / ours['rate'] / 60:.0f} {extra}"
        f"ratio={base['rate'] / ours['rate']:.3f}"
    )


if __name__ == "__main__":
    main()
