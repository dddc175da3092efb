"""Structured logs: one JSON object a line, with the request id, and no personal data.

``JsonFormatter`` writes every record as a JSON line (time, level, logger, message, the request id of
the request being served, the fields passed in ``extra=``, and the traceback of an error).
``redact`` masks whatever looks like an ID number (GB 11643) or a mobile phone number in the
message, the extra fields and the traceback, so a value quoted in an error cannot reach the log.
Requests are logged by ``linli.core.request_context.RequestContextMiddleware`` (method, path without
its query string, status, duration, account id): never a query string, a body or a header.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("linli_request_id", default="")

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")

# LogRecord's own attributes: everything else on a record came from ``extra=``.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    """``text`` with ID numbers and phone numbers replaced by a placeholder."""
    text = ID_NUMBER.sub("[身份证号已隐去]", text)
    text = PHONE.sub("[电话已隐去]", text)
    return LANDLINE.sub("[电话已隐去]", text)


def _clean(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object a line, personal data masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key == "request":  # django.request passes the request: its query string may hold anything
                continue
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = _clean(value)
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
