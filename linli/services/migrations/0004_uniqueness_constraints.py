"""The rules that must hold under concurrency, in the database.

- one open need per person (or, for a group need, per community) with the same category and text;
- one resource of a name per provider and community while it is not withdrawn;
- a resource never answers more needs than its capacity.

A database that already breaks one of the uniqueness rules is not changed behind anyone's back: the
migration stops and names the rows to merge or close first.
"""

from django.db import migrations, models
from django.db.models import Count


def duplicates_refuse(apps, schema_editor):
    Need = apps.get_model("services", "Need")
    Resource = apps.get_model("services", "Resource")
    groups = [
        (
            "居民需求（同一居民、类别和内容，均待对接）",
            Need.objects.filter(status="open", person__isnull=False),
            ["person", "category", "description"],
        ),
        (
            "群体需求（同一社区、类别和内容，均待对接）",
            Need.objects.filter(status="open", person__isnull=True),
            ["region", "category", "description"],
        ),
        (
            "社区资源（同一社区、类型、名称和提供方，均未撤回）",
            Resource.objects.exclude(status="withdrawn"),
            ["region", "kind", "name", "provider_name"],
        ),
    ]
    problems = []
    for label, qs, fields in groups:
        for row in qs.values(*fields).annotate(n=Count("id")).filter(n__gt=1)[:20]:
            ids = list(qs.filter(**{f: row[f] for f in fields}).order_by("id").values_list("id", flat=True))
            problems.append(f"{label}重复：编号 {', '.join(map(str, ids))}")
    if problems:
        raise RuntimeError("请先合并或关闭重复的记录，再运行本迁移：\n" + "\n".join(problems))


class Migration(migrations.Migration):
    dependencies = [("services", "0003_race_safe_numbers_and_shares")]

    operations = [
        migrations.RunPython(duplicates_refuse, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="need",
            constraint=models.UniqueConstraint(
                condition=models.Q(("person__isnull", False), ("status", "open")),
                fields=("person", "category", "description"),
                name="need_one_open_per_person_text",
                violation_error_code="need.duplicate",
                violation_error_message="已登记过相同的需求，尚未对接",
            ),
        ),
        migrations.AddConstraint(
            model_name="need",
            constraint=models.UniqueConstraint(
                condition=models.Q(("person__isnull", True), ("status", "open")),
                fields=("region", "category", "description"),
                name="need_one_open_per_group_text",
                violation_error_code="need.duplicate",
                violation_error_message="已登记过相同的需求，尚未对接",
            ),
        ),
        migrations.AddConstraint(
            model_name="resource",
            constraint=models.CheckConstraint(
                condition=models.Q(("matched__lte", models.F("capacity"))),
                name="resource_not_overmatched",
                violation_error_code="resource.full",
                violation_error_message="可对接的需求数不能少于已对接的需求数",
            ),
        ),
        migrations.AddConstraint(
            model_name="resource",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "withdrawn"), _negated=True),
                fields=("region", "kind", "name", "provider_name"),
                name="resource_one_active_per_provider_name",
                violation_error_code="resource.duplicate",
                violation_error_message="该提供方已在本社区登记过同名资源",
            ),
        ),
    ]
