"""static/js/zones.js (a phone's time zone to its country, offline) is current with CLDR and the countries."""

from __future__ import annotations

import importlib.util

from app.config import ROOT
from app.web import content


def zones_tool():
    spec = importlib.util.spec_from_file_location("zones_tool", ROOT / "tools" / "zones.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_zones_js_is_what_tools_zones_py_writes_now():
    tool = zones_tool()
    assert tool.ZONES_JS.read_text() == tool.zones_js(), "run: .venv/bin/python tools/zones.py"


def test_every_zone_names_a_region_we_have_numbers_for():
    regions = content.zone_regions()
    known = {c.code for c in content.COUNTRIES} | set(content.EU_MEMBERS)
    assert set(regions) <= known
    assert {"US", "ES", "RU", "GB", "MX", "AR", "DE"} <= set(regions)
    zone_of = {zone: region for region, zones in regions.items() for zone in zones}
    assert (
        zone_of["America/Chicago"] == "US" and zone_of["Europe/Madrid"] == "ES" and zone_of["Atlantic/Canary"] == "ES"
    )
    assert zone_of["Europe/Kiev"] == zone_of["Europe/Kyiv"] == "UA"  # the old name, as older phones say it
    assert "Etc/UTC" not in zone_of and "UTC" not in zone_of  # no country in it
