# Bigram indexes for the registry's search boxes (``linli.core.search``; PostgreSQL only).

from django.db import migrations

from linli.core.search import bigram_index


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_person_tag_emergency_kinds"), ("core", "0007_bigram_search")]

    operations = [
        bigram_index("registry_person", "name"),
        bigram_index("registry_household", "address"),
        bigram_index("registry_household", "code"),
        bigram_index("registry_building", "name"),
        bigram_index("registry_building", "address"),
        bigram_index("registry_building", "code"),
    ]
