"""``borderwatch sightings list|export`` and ``model`` errors through the real entry point."""

from __future__ import annotations

import json

from lxml import etree

from detection.store import open_store
from detection.values import CrossingEvent
from tests.cli import run
from tests.detection.builders import sighting


def _db(tmp_path):
    path = tmp_path / "bw.db"
    store = open_store(str(path))
    store.start_flight(vehicle="drone-1", started_unix_s=0.0, flight_id="f1")
    made = [
        store.save_sighting(
            sighting(i=i, t=1_763_790_000.0 + 60 * i, class_name=("person", "vehicle")[i % 2])
        )
        for i in range(4)
    ]
    s = made[0]
    store.save_events([CrossingEvent(event_id="e1", sighting_id=s.sighting_id, flight_id="f1", vehicle="drone-1",
                                     class_name="person", t_unix_s=1.0, lat_deg=31.3, lon_deg=-111.0,
                                     from_side="south", to_side="north")])  # fmt: skip
    store.review(made[2].sighting_id, status="confirmed")
    store.close()
    return path, made


def test_sightings_list_filters_and_prints_json(tmp_path):
    path, made = _db(tmp_path)
    r = run("sightings", "list", "--db", path, "--class", "person", "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["count"] == 2 and [s["track_id"] for s in doc["sightings"]] == [2, 0]
    r = run("sightings", "list", "--db", path, "--status", "confirmed", "--since", "2025-11-22T05:41:00Z")
    assert r.code == 0 and r.out.startswith("1 sighting(s)") and made[2].sighting_id[:8] in r.out


def test_sightings_export_writes_each_format(tmp_path):
    path, _ = _db(tmp_path)
    out = tmp_path / "x.geojson"
    r = run("sightings", "export", "--db", path, "--format", "geojson", "--out", out, "--json")
    assert r.code == 0 and r.json()["events"] == 1
    doc = json.loads(out.read_text())
    assert sum(f["properties"]["kind"] == "sighting" for f in doc["features"]) == 4
    r = run("sightings", "export", "--db", path, "--format", "cot")
    assert r.code == 0 and all(
        etree.fromstring(line.encode()).get("type") == "a-u-G" for line in r.out.splitlines()
    )
    r = run("sightings", "export", "--db", path, "--format", "kml", "--class", "vehicle")
    assert r.code == 0 and r.out.count("<Placemark") == 2


def test_bad_input_fails_with_a_message_and_exit_code(tmp_path):
    path, _ = _db(tmp_path)
    r = run("sightings", "list", "--db", path, "--bbox", "1,2,3", "--json")
    assert r.code == 1 and r.json()["ok"] is False and "MIN_LON" in r.json()["error"]
    r = run("sightings", "list", "--db", "postgresql://db/bw")
    assert r.code == 1 and "not built yet" in r.err
    r = run("model", "eval", "--weights", "yolo11n.pt", "--json")
    assert r.code == 1 and "does not download" in r.json()["error"]


def test_watch_without_a_vehicle_fails_fast_with_the_links_reason(tmp_path):
    r = run("watch", "--vehicle", "tcp:127.0.0.1:9", "--video", "udp://127.0.0.1:9", "--db", tmp_path / "w.db",
            "--connect-timeout", "1", "--json", timeout_s=60)  # fmt: skip
    assert r.code == 1 and r.json()["ok"] is False, r.err
