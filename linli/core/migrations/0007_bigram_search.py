# The bigram function of substring search (``linli.core.search``) and the audit log's indexes.

from django.db import migrations

from linli.core.search import bigram_function, bigram_index


class Migration(migrations.Migration):
    dependencies = [("core", "0006_account_regions")]

    operations = [
        bigram_function(),
        bigram_index("core_auditlog", "actor_name"),
        bigram_index("core_auditlog", "subject_label"),
    ]
