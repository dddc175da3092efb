from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lifecircle", "0004_coverage_within_15_minutes")]

    operations = [
        migrations.AlterField(
            model_name="sitingrun",
            name="problem",
            field=models.CharField(
                choices=[("covering", "让更多居民步行可达"), ("median", "让居民平均步行时间最短")],
                max_length=8,
                verbose_name="测算目标",
            ),
        ),
    ]
