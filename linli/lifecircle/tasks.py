"""Background recomputation of access and coverage (Django's tasks framework)."""

from __future__ import annotations

from django.tasks import task


@task()
def recompute_task(region_code: str) -> dict:
    from linli.lifecircle.services import recompute
    from linli.regions.models import Region

    region = Region.objects.current().filter(code=region_code).first()
    if region is None:
        return {"skipped": region_code}
    run = recompute(region)
    return {"region": run.region.code, "buildings": run.buildings, "seconds": round(run.seconds, 2)}
