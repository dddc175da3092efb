"""Background work of 志愿服务与时间银行 (Django's tasks framework)."""

from __future__ import annotations

from django.tasks import task

from linli.volunteers.services import timebank_expire


@task()
def timebank_expire_task() -> int:
    """到期清零 by each region's rule (daily); safe to run twice: it moves only what is still due."""
    return timebank_expire()
