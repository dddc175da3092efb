"""Deployment checks: personal-data keys must be real in production."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from linli.core.engine.crypto import KeyConfigError, parse_keys


@register(Tags.security, deploy=True)
def field_keys_check(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    errors = []
    try:
        parse_keys(settings.FIELD_KEYS)
    except KeyConfigError as exc:
        errors.append(Error(f"LINLI_FIELD_KEYS: {exc}", id="linli.E001"))
    if "dev1:" in settings.FIELD_KEYS:
        errors.append(Error("LINLI_FIELD_KEYS uses the development key", id="linli.E002"))
    return errors
