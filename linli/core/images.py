"""Uploaded images: decoded by Pillow and stored as a fresh encoding of their pixels only.

A phone photo's EXIF carries the GPS position of the place it was taken (often the resident's
home), the camera's serial number and the time; an upload that only *starts* like an image may be
HTML or a script. Every module that accepts an image (request photos, evidence files, later visit
and activity photos) stores what ``image_reencode`` returns, never the uploaded bytes.
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

MAX_PIXELS = 40_000_000  # refused before decoding: a small file may claim a huge canvas
MAX_SIDE = 2560  # stored images are scaled down to this longest side
FORMATS = ["JPEG", "PNG", "WEBP", "GIF"]  # JPEG opens the multi-picture (MPO) files of phones too


def image_reencode(
    data: bytes, *, field: str, label: str, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE
) -> ContentFile:
    """Decode ``data`` with Pillow and return a fresh encoding of its pixels: upright (EXIF
    orientation applied), at most ``max_side`` px, JPEG (PNG when transparent), with no EXIF, GPS
    position, ICC profile or comment, under an unguessable name. A file Pillow cannot decode, or
    one of more than ``max_pixels``, is a ValidationError on ``field`` naming ``label``."""
    from PIL import Image, ImageOps  # Pillow loads its plugins on first use; not every process needs it

    not_image = ValidationError(
        {
            field: ValidationError(
                f"“{label}”不是可识别的图片（只接受 JPEG、PNG、WebP、GIF 图片）", code="image.unreadable"
            )
        }
    )
    too_large = ValidationError(
        {
            field: ValidationError(
                f"“{label}”像素过多（最多 {max_pixels // 1_000_000} 百万像素），请缩小后再上传",
                code="image.too_large",
            )
        }
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as probe:  # reads the header only
                if probe.width * probe.height > max_pixels:
                    raise too_large
                probe.verify()
            with Image.open(io.BytesIO(data), formats=FORMATS) as im:  # verify() spends the file
                if im.format == "JPEG":  # decode at a reduced scale when that still covers the size kept
                    im.draft("RGB", (max_side, max_side))
                im.load()
                try:
                    upright = ImageOps.exif_transpose(im)
                except Exception:  # a broken orientation tag does not make the image unusable
                    upright = im.copy()
        alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        mode = "RGBA" if alpha else "RGB"
        converted = upright.convert(mode)
        converted.thumbnail((max_side, max_side))
        # A new image from the pixels alone: nothing of the upload's info (exif, icc_profile,
        # comment, dpi …) can ride along into the saved file.
        clean = Image.frombytes(mode, converted.size, converted.tobytes())
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except Exception as exc:  # whatever Pillow cannot decode is not an image
        raise not_image from exc
    out = io.BytesIO()
    if alpha:
        clean.save(out, "PNG", optimize=True)
        ext = "png"
    else:
        clean.save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{secrets.token_urlsafe(18)}.{ext}")
