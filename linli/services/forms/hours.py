"""A week of opening hours as one form field: seven text inputs ``<name>_1`` … ``<name>_7``.

Each day is read by the one opening-hours engine (``linli.facilities.engine.hours.parse_day``): the
same rules and messages on every page that takes a week of hours. Self-contained (Django forms and
the engine only), so the facility form can use the same field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.facilities.engine import hours


class WeekHoursWidget(forms.MultiWidget):
    """Seven text inputs named ``<name>_1`` (Monday) … ``<name>_7``; the value is ``{day: text}``."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({str(d): forms.TextInput(attrs={"data-day": str(d)}) for d in hours.WEEKDAYS}, attrs)

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            texts = {int(k): v for k, v in value.items()}  # already form texts (a bound form's data)
        else:
            texts = hours.week_texts(value or {})
        return [texts.get(d, "") for d in hours.WEEKDAYS]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[int, str]:  # type: ignore[override]  # the field reads {day: text}
        return {d: str(data.get(f"{name}_{d}") or "") for d in hours.WEEKDAYS}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return all(f"{name}_{d}" not in data for d in hours.WEEKDAYS)


class WeekHoursField(forms.Field):
    """每周开放时间: ``{day: "08:30-12:00, 14:30-18:00"}`` → ``{"1": [["08:30", "12:00"], …]}``.

    Every day is checked; each bad day gives its own message (``周三：…``) with the code
    ``hours.invalid``. An empty week is valid here (whether hours are required is the service's rule).
    """

    widget = WeekHoursWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dict[str, list[list[str]]]:
        if not value:
            return {}
        if not isinstance(value, dict):
            raise ValidationError("开放时间格式不正确", code="hours.invalid")
        week, errors = hours.parse_week({int(d): str(text or "") for d, text in value.items()})
        if errors:
            raise ValidationError([ValidationError(m, code="hours.invalid") for m in errors.values()])
        return week

    def texts(self, value: Any) -> dict[int, str]:
        """Each weekday's text to show again (from a bound form's data or a stored week)."""
        return dict(zip(hours.WEEKDAYS, WeekHoursWidget().decompress(value), strict=True))
