"""The persons' blind indexes keep one plain index each: the ``varchar_pattern_ops`` twins PostgreSQL
got from ``db_index`` served no query (a blind index is looked up whole) and cost every insert.

The plain indexes already built are renamed, not rebuilt (18.7 M rows at a city).
"""

from django.db import migrations, models

OLD = {
    "person_id_number_index": "registry_person_id_number_index_b3510b9a",
    "person_phone_index": "registry_person_phone_index_fecb0ad5",
}
COLUMNS = {"person_id_number_index": "id_number_index", "person_phone_index": "phone_index"}


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for new, old in OLD.items():
        if vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{old}_like"')
            schema_editor.execute(f'ALTER INDEX IF EXISTS "{old}" RENAME TO "{new}"')
        else:  # SQLite renames no index: build it anew under its name
            schema_editor.execute(f'DROP INDEX IF EXISTS "{old}"')
            schema_editor.execute(f'CREATE INDEX "{new}" ON "registry_person" ("{COLUMNS[new]}")')


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for new, old in OLD.items():
        if vendor == "postgresql":
            schema_editor.execute(f'ALTER INDEX IF EXISTS "{new}" RENAME TO "{old}"')
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{old}_like" ON "registry_person" '
                f'("{COLUMNS[new]}" varchar_pattern_ops)'
            )
        else:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{new}"')
            schema_editor.execute(f'CREATE INDEX "{old}" ON "registry_person" ("{COLUMNS[new]}")')


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0002_region_boundary_source"),
        ("registry", "0009_region_counts_of_care_tags"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="id_number_index",
                    field=models.CharField(
                        blank=True, editable=False, max_length=40, verbose_name="身份证号盲索引"
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="phone_index",
                    field=models.CharField(
                        blank=True, editable=False, max_length=40, verbose_name="电话盲索引"
                    ),
                ),
                migrations.AddIndex(
                    model_name="person",
                    index=models.Index(fields=["id_number_index"], name="person_id_number_index"),
                ),
                migrations.AddIndex(
                    model_name="person",
                    index=models.Index(fields=["phone_index"], name="person_phone_index"),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
