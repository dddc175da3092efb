"""What the deliberation module registers into the kernel's seams (called from ``AppConfig.ready``)."""

from __future__ import annotations

from django.apps import AppConfig


def connect(app: AppConfig) -> None:
    pass
