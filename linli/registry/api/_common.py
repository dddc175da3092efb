"""Input and output types every part of the registry's API shares."""

from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict

from linli.core.engine.text import clean_name, clean_text
from linli.regions.models import LEVEL_OF_LENGTH


def _masked(value: Any) -> str:
    """A ``SensitiveValue`` as its masked text (``str()`` masks it); "" for none."""
    return str(value) if value else ""


# An ID or phone number as the API always shows it: masked (the full value only through /reveal).
Masked = Annotated[str, BeforeValidator(_masked)]

# Names and short texts as people type them: NFC, trimmed, no control, bidi or zero-width characters
# (``linli.core.engine.text``); anything else is a 422 naming the field.
Name = Annotated[str, AfterValidator(clean_name)]
Text = Annotated[str, AfterValidator(clean_text)]


def _region_filter(value: str) -> str:
    """A region filter: empty, or a code of some level (province 2 … grid 15 digits)."""
    code = value.strip()
    if code and not (code.isascii() and code.isdigit() and len(code) in LEVEL_OF_LENGTH):
        raise ValueError("应为区划代码（2、4、6、9、12 或 15 位数字）")
    return code


RegionCode = Annotated[str, AfterValidator(_region_filter)]


def as_label(value: str | None, choices: Any) -> str | None:
    """Accept a choice's code ("M", "head", "registered", "building") where the services read its Chinese label."""
    if value and value in choices.values:
        return str(choices(value).label)
    return value


class Out(Schema):
    """An output schema: a field read through an alias that may be absent (``household.code`` of a
    person in no household) has the default None, and is still listed as always present in the
    OpenAPI document, as the answer always carries it."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)
