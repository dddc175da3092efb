"""诉求照片 in the browser: a resident files a request with a phone photo; the photo renders (through the
request's scoped photo view) on the resident's page and on the community worker's page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from linli.cases.models import Case
from linli.cases.tests.conftest import build_cases_world
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

PHOTO_LOADED = """() => {
  const img = document.querySelector('#photos img');
  return img !== null && img.complete && img.naturalWidth > 0;
}"""


def _phone_photo() -> bytes:
    """A JPEG as a phone makes it: with EXIF carrying a GPS position."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (24.0, 57.0, 36.0), 3: "E", 4: (118.0, 40.0, 12.0)})
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 140, 60)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_residents_photo_shows_on_their_page_and_the_staff_page(
    world: World, signed_in, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    build_cases_world(world)
    resident = signed_in("resident", phone=True)
    page = resident.page
    resident.go("/cases/report/", "report-photo")
    expect(page.locator("#pick")).to_have_attribute("data-ready", "1")
    page.locator("#topic").select_option(value="环境卫生")  # topic first, then the category
    page.locator("#category").select_option(value="sanitation.complaint")
    page.locator("#description").fill("楼下垃圾桶坏了，照片为证")
    page.locator("#mapbox summary").click()  # the map is optional, folded away
    page.locator("#pick").click()
    expect(page.locator("#pick-label")).to_contain_text("已选位置")
    page.locator("#photos").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _phone_photo()}]
    )
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已登记诉求")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    case = Case.objects.get(number=number)
    photo = case.photos.get()
    src = f"/cases/{number}/photos/{photo.pk}/"
    expect(page.locator("#photos img")).to_have_attribute("src", src)
    page.wait_for_function(PHOTO_LOADED)
    assert page.locator("#photos img").evaluate("img => img.naturalWidth") == 64
    resident.shot("detail-photo")

    worker = signed_in("community_worker")
    worker.go(f"/cases/{number}/", "detail-photo")
    expect(worker.page.locator("#photos img")).to_have_attribute("src", src)
    worker.page.wait_for_function(PHOTO_LOADED)
    assert worker.page.locator("#photos img").evaluate("img => img.naturalHeight") == 48

    # another community's worker gets the same 404 as for a missing photo
    other = signed_in("community_worker_b")
    assert other.page.goto(resident.base + src).status == 404  # type: ignore[union-attr]
    assert other.page.goto(resident.base + f"/cases/{number}/photos/{photo.pk + 1}/").status == 404  # type: ignore[union-attr]
