"""manage.py exports_purge: delete the files of export runs made more than a day ago (run it hourly).

Every new export run does the same before it starts; this command covers the quiet days. A file past
its day is refused for download either way (``linli.core.jobs.export_file_ready``).
"""

from django.core.management.base import BaseCommand

from linli.core.jobs import export_runs_purge


class Command(BaseCommand):
    help = "删除超过保留期（一天）的导出文件（可重复运行）"

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        self.stdout.write(f"已删除 {export_runs_purge()} 个过期的导出文件")
