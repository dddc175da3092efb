"""Each booking keeps the region codes of its resident and of its service (``Booking.region_code``,
``provider_code``): staff scope reads a range of their indexes instead of joining the bookings to the
city's persons and the regions. Existing bookings take the codes of their residents' and services'
regions now; the services module keeps them when a resident moves or a service changes region. Their
indexes come in the next migration: on PostgreSQL an index cannot be built in the transaction that
rewrote the table (its deferred foreign-key checks are still pending)."""

from django.db import migrations, models

BACKFILL = [
    """
    UPDATE services_booking SET region_code = r.code
    FROM registry_person p JOIN regions_region r ON r.id = p.region_id
    WHERE p.id = services_booking.person_id
    """,
    """
    UPDATE services_booking SET provider_code = r.code
    FROM services_service s JOIN regions_region r ON r.id = s.region_id
    WHERE s.id = services_booking.service_id
    """,
]


class Migration(migrations.Migration):
    dependencies = [("services", "0006_slot_starts_at_index")]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="provider_code",
            field=models.CharField(default="", editable=False, max_length=15, verbose_name="服务所在区域代码"),
        ),
        migrations.AddField(
            model_name="booking",
            name="region_code",
            field=models.CharField(default="", editable=False, max_length=15, verbose_name="预约人所在区域代码"),
        ),
        *(migrations.RunSQL(sql, migrations.RunSQL.noop, elidable=False) for sql in BACKFILL),
    ]
