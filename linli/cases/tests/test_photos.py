"""Request photos are personal data: decoded and re-encoded without metadata at upload, served only
through the request's scoped view, never as public files."""

import importlib
import io
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from linli.cases import services
from linli.cases.models import Case, CasePhoto, Channel

from .conftest import CasesWorld, grid_center, image_bytes

GPS_LAT, GPS_LON = (24.0, 57.0, 36.12), (118.0, 40.0, 12.34)


def gps_jpeg(size: tuple[int, int] = (40, 20), orientation: int = 1) -> bytes:
    """A phone-like JPEG: EXIF with the GPS position of the resident's home, a camera, an orientation."""
    im = Image.new("RGB", size, (10, 120, 200))
    for x in range(size[0] // 2):  # the left half red, to see which way the stored photo is turned
        for y in range(size[1]):
            im.putpixel((x, y), (220, 20, 20))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: GPS_LAT, 3: "E", 4: GPS_LON})
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif, comment=b"home of Lin", icc_profile=b"\0" * 128)
    return out.getvalue()


def _upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _report(cw: CasesWorld, *photos: SimpleUploadedFile, user=None) -> Case:  # type: ignore[no-untyped-def]
    lat, lon = grid_center(0)
    return services.case_create(
        by=user or cw.world.accounts.resident,
        category="sanitation.complaint",
        description="门口垃圾",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
        photos=list(photos),
    )


def _not_found(r) -> str:  # type: ignore[no-untyped-def]
    """The message of a 404 page (the rest of the page carries the account's menu)."""
    assert r.status_code == 404
    return re.search(r"<h1>未找到</h1>.*?</p>", r.content.decode(), re.S).group(0)  # type: ignore[union-attr]


def _stored(photo: CasePhoto) -> bytes:
    with photo.image.open("rb") as f:
        return f.read()


def test_a_phone_photo_is_stored_without_its_gps_position_or_any_metadata(cw: CasesWorld) -> None:
    original = gps_jpeg()
    with Image.open(io.BytesIO(original)) as im:  # the test photo does carry what must go
        assert tuple(float(v) for v in im.getexif().get_ifd(0x8825)[2]) == GPS_LAT
        assert "icc_profile" in im.info and b"PhoneMaker" in original
    case = _report(cw, _upload("IMG_0001.jpg", original))
    photo = case.photos.get()
    name = str(photo.image.name).rsplit("/", 1)[-1]
    assert name.endswith(".jpg") and "IMG_0001" not in name and len(name) >= 24 + 4
    data = _stored(photo)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG" and im.size == (40, 20)
        assert len(im.getexif()) == 0 and not im.getexif().get_ifd(0x8825)
        assert not {"exif", "icc_profile", "comment"} & set(im.info)
    assert b"Exif" not in data and b"PhoneMaker" not in data and b"home of Lin" not in data


def test_the_exif_orientation_is_applied_before_the_metadata_goes(cw: CasesWorld) -> None:
    case = _report(cw, _upload("turned.jpg", gps_jpeg((40, 20), orientation=6)))  # 6: turn 90° clockwise
    with Image.open(io.BytesIO(_stored(case.photos.get()))) as im:
        assert im.size == (20, 40)
        top = im.convert("RGB").getpixel((10, 2))
        assert isinstance(top, tuple) and top[0] > 150 and top[2] < 100  # the red half is now on top


def test_transparent_images_stay_png_and_large_ones_are_scaled_down(cw: CasesWorld) -> None:
    alpha = image_bytes("PNG", size=(30, 30), mode="RGBA")
    big = image_bytes("JPEG", size=(3000, 1000))
    gif = image_bytes("GIF", size=(12, 12), mode="P")
    webp = image_bytes("WEBP", size=(16, 9))
    case = _report(
        cw,
        _upload("a.png", alpha, "image/png"),
        _upload("b.jpg", big),
        _upload("c.gif", gif),
        _upload("d.webp", webp),
    )
    kinds = []
    for photo in case.photos.all():
        with Image.open(io.BytesIO(_stored(photo))) as im:
            kinds.append((str(photo.image.name).rsplit(".", 1)[-1], im.format, im.mode, im.size))
    assert kinds == [
        ("png", "PNG", "RGBA", (30, 30)),
        ("jpg", "JPEG", "RGB", (services.MAX_PHOTO_SIDE, 853)),
        ("jpg", "JPEG", "RGB", (12, 12)),
        ("jpg", "JPEG", "RGB", (16, 9)),
    ]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("x.gif", b"GIF89a<html><script>alert(document.cookie)</script></html>", "不是可识别的图片"),
        ("x.jpg", b"\xff\xd8\xff\xe0" + b"<html>" * 50, "不是可识别的图片"),
        ("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "不是可识别的图片"),
        ("x.txt", "这不是图片".encode(), "不是可识别的图片"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "不是可识别的图片"),
        ("bomb.png", image_bytes("PNG", size=(10_000, 10_000), mode="1"), "像素过多"),
    ],
)
def test_what_is_not_a_photo_is_refused_and_nothing_is_stored(
    cw: CasesWorld, media_root, name: str, data: bytes, words: str
) -> None:
    assert len(data) < services.MAX_PHOTO_BYTES
    with pytest.raises(ValidationError) as exc:
        _report(cw, _upload(name, data))
    assert words in exc.value.message_dict["photos"][0] and name in exc.value.message_dict["photos"][0]
    assert not Case.objects.exists() and not CasePhoto.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_the_report_page_names_the_photo_field(cw: CasesWorld, client_for) -> None:
    lat, lon = grid_center(0)
    form = {"category": "sanitation.complaint", "description": "垃圾", "lat": str(lat), "lon": str(lon)}
    r = client_for(cw.world.accounts.resident).post(
        "/cases/report/", form | {"photos": _upload("x.gif", b"GIF89a<html></html>", "image/gif")}
    )
    assert r.status_code == 422 and "不是可识别的图片" in r.content.decode()
    assert not Case.objects.exists()


def test_photos_are_served_only_to_who_may_see_the_request(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    case = _report(cw, _upload("p.jpg", gps_jpeg()))
    photo = case.photos.get()
    url = f"/cases/{case.number}/photos/{photo.pk}/"
    for user in (a.resident, a.community_worker, a.street_coordinator, a.district_admin, a.system_admin):
        r = client_for(user).get(url)
        assert r.status_code == 200, user.username
        assert r["Content-Type"] == "image/jpeg" and r["X-Content-Type-Options"] == "nosniff"
        assert "private" in r["Cache-Control"] and "public" not in r["Cache-Control"]
        assert b"".join(r.streaming_content) == _stored(photo)  # type: ignore[attr-defined]
    # everyone else: the same 404 as for a photo that does not exist
    other = _report(cw, user=cw.resident2)
    for user in (a.community_worker_b, cw.resident2, cw.dept_user, a.department_handler, a.community_worker):
        c = client_for(user)
        missing = _not_found(c.get(f"/cases/{case.number}/photos/{photo.pk + 999}/"))
        assert "该照片不存在，或不在本账号的查看范围内" in missing
        if user != a.community_worker:
            assert _not_found(c.get(url)) == missing, user.username
        assert _not_found(c.get(f"/cases/{other.number}/photos/{photo.pk}/")) == missing  # another request's
    # not signed in: to the login page, as for any other page
    r = Client().get(url)
    assert r.status_code == 302 and "/login/" in r["Location"]
    # the department the request is dispatched to sees it from then on
    case = services.case_accept(case=case, by=a.community_worker)
    services.case_dispatch(case=case, by=a.community_worker, organisation=cw.chengguan)
    assert client_for(cw.dept_user).get(url).status_code == 200


def test_the_request_page_shows_photos_through_the_scoped_view(cw: CasesWorld, client_for) -> None:
    case = _report(cw, _upload("p.jpg", gps_jpeg()))
    photo = case.photos.get()
    for user in (cw.world.accounts.resident, cw.world.accounts.community_worker):
        page = client_for(user).get(f"/cases/{case.number}/").content.decode()
        assert f'src="/cases/{case.number}/photos/{photo.pk}/"' in page
        assert photo.image.name not in page and "/media/" not in page


def test_a_stored_file_of_another_type_is_never_served(cw: CasesWorld, client_for) -> None:
    case = _report(cw)
    photo = CasePhoto.objects.create(
        case=case, image=ContentFile(b"<script>alert(1)</script>", name="x.html")
    )
    r = client_for(cw.world.accounts.community_worker).get(f"/cases/{case.number}/photos/{photo.pk}/")
    assert r.status_code == 404


def test_the_migration_cleans_photos_stored_before(cw: CasesWorld) -> None:
    """Photos uploaded before decoding: re-encoded without EXIF under a new name; a non-image is removed."""
    case = _report(cw)
    phone = CasePhoto.objects.create(case=case, image=ContentFile(gps_jpeg(), name="IMG_0002.jpg"))
    polyglot = CasePhoto.objects.create(case=case, image=ContentFile(b"GIF89a<html></html>", name="p.html"))
    old_name, storage = str(phone.image.name), phone.image.storage
    migration = importlib.import_module("linli.cases.migrations.0006_photos_reencode")
    migration.forwards(apps, None)
    assert not CasePhoto.objects.filter(pk=polyglot.pk).exists() and not storage.exists(
        str(polyglot.image.name)
    )
    phone.refresh_from_db()
    new_name = str(phone.image.name)
    assert new_name != old_name and not storage.exists(old_name)
    assert new_name.endswith(".jpg") and "IMG_0002" not in new_name
    data = _stored(phone)
    with Image.open(io.BytesIO(data)) as im:
        assert len(im.getexif()) == 0 and "icc_profile" not in im.info
    assert b"PhoneMaker" not in data
