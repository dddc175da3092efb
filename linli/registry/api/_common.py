"""Input and output types every part of the registry's API shares."""

import datetime as dt
from typing import Annotated, Any

from django.urls import reverse
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict

from linli.core.engine.text import clean_name, clean_text
from linli.core.jobs import export_file_ready
from linli.core.models import ExportRun
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


class ExportRunOut(Out):
    id: int
    kind: str = Field(description="registry.persons / registry.households / registry.buildings")
    label: str
    status: str = Field(description="queued 排队中 / running 进行中 / done 已完成 / failed 失败")
    status_label: str = Field(alias="get_status_display")
    rows_done: int
    rows_total: int
    percent: int = Field(description="已写行数占总行数的百分比（完成时为 100）")
    filename: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error: str
    download: str | None = Field(description="文件就绪时的下载地址（只有提交者本人可下载，保留一天）")

    @staticmethod
    def resolve_download(obj: ExportRun) -> str | None:
        return reverse("api:registry_export_file", args=[obj.pk]) if export_file_ready(obj) else None
