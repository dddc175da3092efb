"""The map settings (LINLI_MAP_TILES, _TILES_ATTRIBUTION, _CRS, _TILES_SUBDOMAINS) reach every page and
the Content-Security-Policy: the tile host is allowed as an image source, and nothing else changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from linli.testing.factories import Accounts, RegionTree

REPO = Path(__file__).resolve().parents[3]
TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY"


def _settings_under(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the settings module afresh with ``env`` (they are read once, at start)."""
    code = (
        "import json, linli.settings as s; print(json.dumps([s.SECURE_CSP['img-src'],"
        " s.LINLI_MAP_CRS, s.LINLI_MAP_ATTRIBUTION, s.SECURE_CSP['connect-src']]))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_MAP")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean | {"PYTHONPATH": str(REPO)} | env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_tile_host_is_an_allowed_image_source_and_nothing_more() -> None:
    run = _settings_under(
        {"LINLI_MAP_TILES": TIANDITU, "LINLI_MAP_TILES_ATTRIBUTION": "天地图", "LINLI_MAP_CRS": "WGS84"}
    )
    assert run.returncode == 0, run.stderr
    img, crs, attribution, connect = json.loads(run.stdout)
    assert img == ["'self'", "data:", "blob:", "https://*.tianditu.gov.cn"]
    assert (crs, attribution, connect) == ("wgs84", "天地图", ["'self'"])
    offline = json.loads(_settings_under({}).stdout)
    assert offline[0] == ["'self'", "data:", "blob:"] and offline[1] == "wgs84"  # no tiles: no host


def test_an_unknown_coordinate_system_is_refused_at_start() -> None:
    run = _settings_under({"LINLI_MAP_CRS": "bd09"})
    assert run.returncode != 0 and "LINLI_MAP_CRS" in run.stderr


@pytest.mark.django_db
def test_the_tile_settings_reach_the_page(
    client: Client, tree: RegionTree, accounts: Accounts, settings
) -> None:
    settings.LINLI_MAP_TILES = TIANDITU
    settings.LINLI_MAP_ATTRIBUTION = '天地图 <b>"x"</b>'
    settings.LINLI_MAP_CRS = "gcj02"
    settings.LINLI_MAP_TILES_SUBDOMAINS = "01234567"
    client.force_login(accounts.street_coordinator)
    page = client.get(f"/regions/{tree.street.code}/").content.decode()
    assert (
        'data-map-tiles="https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&amp;x={x}&amp;y={y}&amp;l={z}&amp;tk=KEY"'
        in page
    )
    assert 'data-map-attribution="天地图 &lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in page  # text, escaped
    assert 'data-map-crs="gcj02"' in page and 'data-map-subdomains="01234567"' in page
