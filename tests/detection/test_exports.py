"""Exports parse and carry the fields their consumers need: GeoJSON, KML, CSV, Cursor-on-Target."""

from __future__ import annotations

import csv
import io
import json
import math

import pymap3d
import pytest
from lxml import etree

from detection.errors import ExportError
from detection.exports import FORMATS, export
from detection.exports.cot import cot_xml
from detection.values import CrossingEvent
from tests.detection.builders import HOME_ALT, sighting

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture
def sightings():
    return [sighting(i=i, lat=31.3 + 0.001 * i, lon=-111.0, t=1_763_790_000.0 + i) for i in range(3)]


@pytest.fixture
def events(sightings):
    s = sightings[0]
    return [
        CrossingEvent(
            event_id="e1", sighting_id=s.sighting_id, flight_id=s.flight_id, vehicle=s.vehicle, class_name="person",
            t_unix_s=1_763_790_001.5, lat_deg=31.3333, lon_deg=-111.0, from_side="south", to_side="north",
        )
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", [*FORMATS])
def test_empty_exports_are_valid_documents(fmt):
    text = export([], fmt)
    if fmt == "geojson":
        assert json.loads(text) == {"type": "FeatureCollection", "features": []}
    elif fmt == "kml":
        assert etree.fromstring(text.encode()).find(f"{KML}Document") is not None
    elif fmt == "csv":
        assert next(csv.reader(io.StringIO(text)))[:3] == ["sighting_id", "flight_id", "vehicle"]
    else:
        assert text == ""


def test_geojson_has_points_ellipses_and_events(sightings, events):
    doc = json.loads(export(sightings, "geojson", events))
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds == ["sighting", "error_ellipse"] * 3 + ["crossing"]
    first = doc["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [-111.0, 31.3]}
    p = first["properties"]
    assert (p["class"], p["ellipse_semi_major_m"], p["ce90_m"], p["first_seen_utc"]) == (
        "person",
        3.0,
        2.4,
        "2025-11-22T05:39:55.000Z",
    )
    ring = doc["features"][1]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 37
    # the ring lies on the ellipse: 3 m along 30°, 1.5 m across
    e, n, _ = pymap3d.geodetic2enu(ring[0][1], ring[0][0], HOME_ALT, 31.3, -111.0, HOME_ALT)
    assert math.hypot(e, n) == pytest.approx(3.0, abs=0.01) and math.degrees(
        math.atan2(e, n)
    ) == pytest.approx(30.0, abs=0.5)
    assert doc["features"][-1]["properties"]["direction"] == "south→north"


def test_kml_parses_with_placemarks_timespans_and_data(sightings, events):
    root = etree.fromstring(export(sightings, "kml", events).encode())
    marks = root.findall(f".//{KML}Placemark")
    assert len(marks) == 4
    first = marks[0]
    assert first.find(f"{KML}TimeSpan/{KML}begin").text == "2025-11-22T05:39:55.000Z"
    coords = first.find(f".//{KML}Point/{KML}coordinates").text
    assert coords == "-111.00000000,31.30000000,0"
    data = {d.get("name"): d.find(f"{KML}value").text for d in first.iter(f"{KML}Data")}
    assert data["class"] == "person" and data["mgrs"] == "12R WV 04756 66541"
    assert first.find(f".//{KML}Polygon") is not None
    assert "crossing south→north" in marks[3].find(f"{KML}name").text


def test_csv_round_trips_the_values(sightings):
    rows = list(csv.DictReader(io.StringIO(export(sightings, "csv"))))
    assert len(rows) == 3
    assert rows[1]["lat_deg"] == "31.301" and rows[1]["speed_m_s"] == "1.2" and rows[0]["speed_m_s"] == ""
    assert rows[2]["status"] == "new"


def test_cot_events_have_the_fields_tak_needs(sightings):
    lines = export(sightings, "cot").splitlines()
    assert len(lines) == 3
    ev = etree.fromstring(lines[1].encode())
    assert ev.tag == "event"
    assert {k: ev.get(k) for k in ("version", "type", "how")} == {
        "version": "2.0",
        "type": "a-u-G",
        "how": "m-g",
    }
    assert ev.get("uid") == f"borderwatch.sighting.{sightings[1].sighting_id}"
    assert ev.get("start") == "2025-11-22T05:40:01.000Z"
    assert ev.get("stale") > ev.get("time") >= ev.get("start")
    point = ev.find("point")
    assert (float(point.get("lat")), float(point.get("ce")), float(point.get("le"))) == (
        31.301,
        2.4,
        9999999.0,
    )
    assert float(point.get("hae")) == HOME_ALT
    assert "MGRS 12R WV" in ev.find("detail/remarks").text
    assert ev.find("detail/track").get("course") == "45.0"
    assert ev.find("detail/borderwatch").get("semi_major_m") == "3.00"


def test_a_single_cot_event_is_a_standalone_document(sightings):
    doc = cot_xml(sightings[0], now_unix_s=1_763_790_010.0)
    assert doc.startswith(b"<?xml")
    assert etree.fromstring(doc).get("time") == "2025-11-22T05:40:10.000Z"


def test_unknown_format_is_an_export_error(sightings):
    with pytest.raises(ExportError, match="geojson, kml, csv, cot"):
        export(sightings, "shapefile")
