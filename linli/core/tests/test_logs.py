"""Structured logs (``linli.core.logs``): JSON lines with the request id, and no personal data even
when a request carries an ID number and a phone number in its path, query and body."""

from __future__ import annotations

import io
import json
import logging

import pytest

from linli.core.logs import JsonFormatter, redact

ID_NUMBER = "350504199001011234"
PHONE = "13859012345"


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    loggers = [logging.getLogger(n) for n in ("linli.request", "linli.jobs", "django.request")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


def test_redact_masks_id_and_phone_numbers():
    text = redact(f"身份证 {ID_NUMBER}、电话 {PHONE}、座机 0595-22345678，编号 20261122-000123")
    assert ID_NUMBER not in text and PHONE not in text and "22345678" not in text
    assert "20261122-000123" in text  # a request number is not a phone


@pytest.mark.django_db
def test_a_request_log_has_an_id_and_no_personal_data(client, captured, accounts):
    client.force_login(accounts.community_worker)
    answer = client.post(
        f"/registry/persons/?q={ID_NUMBER}&phone={PHONE}",
        {"id_number": ID_NUMBER, "phone": PHONE},
        HTTP_X_REQUEST_ID="probe-12345678",
    )
    client.get(f"/api/persons?q={ID_NUMBER}&phone={PHONE}")
    client.get(f"/cases/{ID_NUMBER}/{PHONE}/")
    # an error quoting the values is logged with context, the values masked
    logging.getLogger("linli.jobs").error(
        "导入失败：%s %s", ID_NUMBER, PHONE, extra={"row": {"phone": PHONE}}
    )
    output = captured.getvalue()
    assert ID_NUMBER not in output and PHONE not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    requests = [e for e in lines if e["logger"] == "linli.request"]
    assert len(requests) == 3
    first = requests[0]
    assert first["request_id"] == "probe-12345678" and answer["X-Request-ID"] == "probe-12345678"
    assert first["method"] == "POST" and first["path"] == "/registry/persons/" and "status" in first
    assert first["user_id"] == accounts.community_worker.pk and "duration_ms" in first
    assert requests[1]["request_id"] != requests[2]["request_id"]
    error = lines[-1]
    assert error["level"] == "ERROR" and error["row"] == {"phone": "[电话已隐去]"}
