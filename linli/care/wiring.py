"""Everything the care module registers into the kernel's and the registry's seams (called from
``CareConfig.ready``)."""

from __future__ import annotations


def connect() -> None:
    from linli.care import services
    from linli.core.scope import declare
    from linli.registry.hooks import register_change

    for label in ("care.carefile", "care.visit", "care.alert", "care.referral", "care.socialcase"):
        declare(label, {"region": "region"})
    register_change(services.on_registry_change)
