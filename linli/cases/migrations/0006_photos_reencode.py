"""Photos stored before uploads were decoded: re-encode each one without metadata (a phone photo's
EXIF carries the GPS position of the resident's home) under a new unguessable name; a stored file
that is not an image (e.g. HTML behind a GIF89a header) is deleted with its row. A file missing from
storage is left as it is (the photo view answers 404 for it). Undoing keeps the cleaned photos:
the metadata is gone and is not wanted back.

Self-contained on purpose (Pillow only): migrations do not import app code.
"""

import io
import secrets
import warnings

from django.core.files.base import ContentFile
from django.db import migrations

MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
FORMATS = ["JPEG", "PNG", "WEBP", "GIF"]


def _reencode(data: bytes) -> tuple[bytes, str] | None:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    return None
                probe.verify()
            with Image.open(io.BytesIO(data), formats=FORMATS) as im:
                im.load()
                upright = ImageOps.exif_transpose(im)
        alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        mode = "RGBA" if alpha else "RGB"
        converted = upright.convert(mode)
        converted.thumbnail((MAX_SIDE, MAX_SIDE))
        clean = Image.frombytes(mode, converted.size, converted.tobytes())
        out = io.BytesIO()
        if alpha:
            clean.save(out, "PNG", optimize=True)
            return out.getvalue(), "png"
        clean.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue(), "jpg"
    except Exception:  # anything Pillow cannot decode is not a photo
        return None


def forwards(apps, schema_editor):
    CasePhoto = apps.get_model("cases", "CasePhoto")
    for photo in CasePhoto.objects.order_by("pk").iterator():
        old = photo.image.name
        storage = photo.image.storage
        try:
            with storage.open(old, "rb") as f:
                data = f.read()
        except OSError:
            continue
        done = _reencode(data)
        if done is None:
            photo.delete()
        else:
            body, ext = done
            folder = old.rsplit("/", 1)[0] if "/" in old else "cases"
            photo.image.name = storage.save(f"{folder}/{secrets.token_urlsafe(18)}.{ext}", ContentFile(body))
            photo.save(update_fields=["image"])
        storage.delete(old)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_case_public_description")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
