"""Checks of what people type and upload, before anything is written: text, phone, links, photos.

Every refusal names the field and carries a stable code (``case.text_required`` …), the same through
the pages and the API.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator

from linli.core import images
from linli.core.errors import invalid
from linli.core.images import image_reencode

MAX_TEXT = 4000
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = images.MAX_SIDE  # stored photos are scaled down to this longest side
MAX_URL = 500
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def clean_text(value: str, field: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise invalid(field, f"请填写{label}", "case.text_required")
    if len(value) > limit:
        raise invalid(field, f"{label}最长 {limit} 个字（现 {len(value)} 个字）", "case.text_too_long")
    if HTML_TAG.search(value):
        raise invalid(field, f"{label}不能包含 HTML 标签（如 <script>），请只填写文字", "case.text_html")
    return value


def clean_phone(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if value and not re.fullmatch(r"1\d{10}|0\d{9,11}", value):
        raise invalid("phone", "联系电话应为 11 位手机号或带区号的固定电话", "case.phone_invalid")
    return value


def clean_media_url(value: str) -> str:
    """A link to a request's media: http(s) only, at most MAX_URL characters (no javascript:, data: …)."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > MAX_URL:
        raise invalid(
            "media_url", f"media_url 最长 {MAX_URL} 个字符（现 {len(value)} 个）", "case.media_url_too_long"
        )
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as exc:
        raise invalid(
            "media_url", "media_url 应为以 http:// 或 https:// 开头的有效链接", "case.media_url_invalid"
        ) from exc
    return value


def photo_reencode(data: bytes, label: str) -> ContentFile:
    """A request photo, re-encoded without metadata (see ``linli.core.images``)."""
    try:
        return image_reencode(data, field="photos", label=label)
    except ValidationError as exc:
        raise ValidationError(
            {"photos": [ValidationError(m, code="case.photo_unreadable") for m in exc.messages]}
        ) from exc


def photos_prepare(photos: Sequence[UploadedFile]) -> list[ContentFile]:
    """Check and re-encode the uploaded photos (before any transaction: decoding takes a while)."""
    if len(photos) > MAX_PHOTOS:
        raise invalid("photos", f"最多上传 {MAX_PHOTOS} 张照片", "case.too_many_photos")
    out = []
    for f in photos:
        data = f.read(MAX_PHOTO_BYTES + 1) if (f.size or 0) <= MAX_PHOTO_BYTES else b""
        f.seek(0)
        if (f.size or 0) > MAX_PHOTO_BYTES or len(data) > MAX_PHOTO_BYTES:
            raise invalid("photos", f"照片“{f.name}”超过 5 MB", "case.photo_too_large")
        out.append(photo_reencode(data, f.name or "照片"))
    return out
