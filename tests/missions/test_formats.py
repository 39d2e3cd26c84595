"""Plan and map formats: files other tools wrote load, and every format round-trips what it can carry."""

import json
import zipfile
from pathlib import Path

import pytest

from missions.camera import camera_preset
from missions.errors import PlanFormatError
from missions.formats import (
    dump_geojson,
    dump_kml,
    dump_kmz,
    dump_plan,
    dump_plan_file,
    dump_wpl,
    load_features_file,
    load_geojson,
    load_kml,
    load_plan,
    load_plan_file,
    load_wpl,
)
from missions.patterns import border_patrol, border_sector
from missions.values import AltFrame, FenceCircle, Geofence, MavCmd, Plan, RallyPoint
from tests.missions.builders import sample

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def patrol_plan() -> Plan:
    f = sample()
    sector = border_sector(f.borders[0], 2, 3)
    pattern, far_side = border_patrol(
        border=sector, side="north", home=f.home, alt_m=60.0, camera=camera_preset("zoom")
    )
    circle = FenceCircle(center=f.home.point, radius_m=6000.0, inclusion=True)
    return Plan(
        mission=pattern.mission,
        fence=Geofence(polygons=far_side + f.zones, circles=(circle,), max_alt_m=100.0),
        rally_points=(RallyPoint(lat_deg=31.347, lon_deg=-110.98, alt_m=30.0),),
        border=sector,
        camera_name="zoom",
    )


def test_qgc_simple_items_in_every_frame_load():
    plan = load_plan(FIXTURES / "qgc_mixed_frames.plan")
    items = plan.mission.items
    assert len(items) == 10
    assert plan.mission.home.alt_amsl_m == 1165.3
    assert (plan.mission.cruise_speed_m_s, plan.mission.hover_speed_m_s) == (15.0, 5.0)
    assert [w.command for w in items] == [22, 16, 178, 16, 201, 16, 19, 16, 82, 21]
    assert items[0].yaw_deg is None  # QGC's null param4
    assert items[2].speed_m_s == 8.0
    assert (items[3].alt_frame, items[3].alt_m, items[3].hold_s) == (AltFrame.AMSL, 1225.5, 3.0)
    # AltitudeMode 3 with a null altitude: 70 m above terrain
    assert (items[5].alt_frame, items[5].alt_m) == (AltFrame.AGL, 70.0)
    assert (items[6].hold_s, items[6].loiter_radius_m) == (20.0, 35.0)
    assert items[7].alt_frame == AltFrame.AGL
    assert items[8].command == MavCmd.NAV_SPLINE_WAYPOINT


def test_qgc_survey_and_corridor_complex_items_are_flattened():
    plan = load_plan(FIXTURES / "qgc_survey_corridor.plan")
    cmds = [w.command for w in plan.mission.items]
    assert len(cmds) == 1 + 12 + 5 + 1
    assert cmds[0] == MavCmd.NAV_TAKEOFF and cmds[-1] == MavCmd.NAV_RETURN_TO_LAUNCH
    triggers = [w.trigger_distance_m for w in plan.mission.items if w.command == MavCmd.DO_SET_CAM_TRIGG_DIST]
    assert triggers == [25.2, 0.0, 25.2, 0.0, 25.2, 0.0, 0.0]
    assert plan.mission.items[1].lat_deg == 31.3402
    fence = plan.fence
    assert [p.inclusion for p in fence.polygons] == [True, False]
    assert len(fence.polygons[0].vertices) == 4
    assert (fence.circles[0].radius_m, fence.circles[0].inclusion) == (85.5, False)
    assert [(r.lat_deg, r.alt_m) for r in plan.rally_points] == [(31.346, 40.0), (31.338, 35.5)]


def test_legacy_version_1_fence_polygon_loads_as_inclusion():
    plan = load_plan(FIXTURES / "legacy_fence_v1.plan")
    assert len(plan.fence.polygons) == 1 and plan.fence.polygons[0].inclusion


def test_mission_planner_waypoints_file_loads():
    plan = load_wpl(FIXTURES / "mission_planner.waypoints")
    items = plan.mission.items
    assert plan.mission.home.alt_amsl_m == pytest.approx(1165.3)
    assert [w.command for w in items] == [22, 16, 178, 19, 20]
    assert items[1].acceptance_radius_m == 2.0
    assert items[2].speed_m_s == 8.0


@pytest.mark.parametrize(
    ("dump", "load"), [(dump_plan, load_plan), (dump_geojson, load_geojson), (dump_kml, load_kml)]
)
def test_whole_plan_round_trips(patrol_plan, dump, load):
    text = dump(patrol_plan)
    back = load("mem", text=text)
    back = back.plan if hasattr(back, "plan") else back
    assert back == patrol_plan


def test_kmz_round_trips(patrol_plan):
    data = dump_kmz(patrol_plan)
    assert zipfile.ZipFile(__import__("io").BytesIO(data)).namelist() == ["doc.kml"]
    assert load_kml("mem.kmz", text=data).plan == patrol_plan


def test_qgc_files_round_trip_through_every_plan_format(tmp_path):
    for fixture in ("qgc_mixed_frames.plan", "qgc_survey_corridor.plan"):
        original = load_plan(FIXTURES / fixture)
        for ext in (".plan", ".geojson", ".kml", ".kmz"):
            path = tmp_path / f"out{ext}"
            dump_plan_file(original, path)
            assert load_plan_file(path) == original, (fixture, ext)
        # WPL carries mission items and home only
        path = tmp_path / "out.waypoints"
        dump_plan_file(original, path)
        back = load_plan_file(path)
        assert back.mission.items == original.mission.items
        assert back.mission.home == original.mission.home


def test_written_plan_is_qgc_schema(patrol_plan):
    doc = json.loads(dump_plan(patrol_plan))
    assert doc["fileType"] == "Plan" and doc["version"] == 1
    m = doc["mission"]
    assert (m["version"], m["firmwareType"], m["vehicleType"]) == (2, 3, 2)
    first = m["items"][0]
    assert set(first) == {
        "AMSLAltAboveTerrain",
        "Altitude",
        "AltitudeMode",
        "autoContinue",
        "command",
        "doJumpId",
        "frame",
        "params",
        "type",
    }
    assert first["params"][3] is None and len(first["params"]) == 7
    speed = m["items"][1]
    assert speed["frame"] == 2 and "Altitude" not in speed
    assert doc["geoFence"]["version"] == 2 and doc["rallyPoints"]["version"] == 2
    assert doc["borderwatch"]["camera"] == "zoom"


def test_wpl_text_layout(patrol_plan):
    lines = dump_wpl(patrol_plan).splitlines()
    assert lines[0] == "QGC WPL 110"
    home = lines[1].split("\t")
    assert home[:4] == ["0", "1", "0", "16"] and len(home) == 12
    assert len(lines) == 2 + len(patrol_plan.mission.items)  # header, home, items


def test_sample_border_file_has_border_home_and_keep_out():
    f = sample()
    assert len(f.borders) == 1 and len(f.borders[0].points) == 3
    assert f.home is not None and f.home.alt_amsl_m == 1160.0
    assert len(f.keep_out) == 1 and f.plan is None
    lats = [p.lat_deg for p in f.borders[0].points]
    assert lats[-1] == pytest.approx(31 + 20 / 60, abs=1e-6)  # the parallel 31°20′ N


def test_kml_from_google_earth_style_file_guesses_roles(tmp_path):
    kml = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
 <Placemark><name>International boundary</name><LineString><coordinates>
   -111.0,31.3333,0 -110.9,31.3333,0</coordinates></LineString></Placemark>
 <Placemark><name>No-fly: hospital</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
   -110.95,31.34 -110.94,31.34 -110.94,31.35 -110.95,31.34</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
 <Placemark><name>Search area</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
   -110.97,31.34 -110.96,31.34 -110.96,31.35 -110.97,31.35 -110.97,31.34</coordinates></LinearRing></outerBoundaryIs>
   <innerBoundaryIs><LinearRing><coordinates>-110.966,31.344 -110.964,31.344 -110.964,31.346</coordinates></LinearRing></innerBoundaryIs>
 </Polygon></Placemark>
 <Placemark><name>Home</name><Point><coordinates>-110.98,31.348,1160</coordinates></Point></Placemark>
</Document></kml>"""
    path = tmp_path / "drawn.kml"
    path.write_text(kml)
    f = load_features_file(path)
    assert f.borders[0].name == "International boundary"
    assert len(f.keep_out) == 1 and len(f.areas) == 1 and len(f.areas[0].holes) == 1
    assert f.home.alt_amsl_m == 1160.0


@pytest.mark.parametrize(
    ("loader", "text", "where", "problem"),
    [
        (load_plan, "{", "line 1 column 2", "not valid JSON"),
        (load_plan, '{"fileType": "Mission", "version": 1}', "$.fileType", 'expected "Plan"'),
        (
            load_plan,
            '{"fileType": "Plan", "version": 1, "mission": {"plannedHomePosition": [1, 2, 3], "items": [{"type": "SimpleItem", "command": 16, "frame": 3, "params": [0, 0, 0, 0, 95, 1, 10]}]}}',
            "$.mission.items[0]",
            "latitude 95",
        ),
        (
            load_plan,
            '{"fileType": "Plan", "version": 1, "mission": {"plannedHomePosition": [1, 2, 3], "items": [{"type": "SimpleItem", "command": 16, "frame": 3, "params": [0, 0, 0]}]}}',
            "$.mission.items[0].params",
            "expected 7 values",
        ),
        (
            load_plan,
            '{"fileType": "Plan", "version": 1, "mission": {"plannedHomePosition": [1, 2, 3], "items": [{"type": "ComplexItem", "complexItemType": "StructureScan"}]}}',
            "$.mission.items[0].complexItemType",
            "not supported",
        ),
        (
            load_plan,
            '{"fileType": "Plan", "version": 1, "mission": {"plannedHomePosition": "here", "items": []}}',
            "$.mission.plannedHomePosition",
            "expected an array",
        ),
        (load_wpl, "QGC WPL 120\n", "line 1", "expected the header"),
        (
            load_wpl,
            "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t31\t-110\t1000\t1\n2\t0\t3\t16\t0\t0\t0\t0\t31\t-110\t10\t1\n",
            "line 3",
            "expected item index 1",
        ),
        (load_wpl, "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t31\t-110\n", "line 2", "expected 12 fields"),
        (
            load_wpl,
            "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\tabc\t-110\t1000\t1\n",
            "line 2",
            "'abc' is not a number",
        ),
        (
            load_geojson,
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"role": "border"}, "geometry": {"type": "LineString", "coordinates": [[31.3, -111.0], [31.3, -110.9]]}}]}',
            "$.features[0].geometry.coordinates[0]",
            "[longitude, latitude]",
        ),
        (
            load_geojson,
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"role": "border"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}',
            "$.features[0].geometry.type",
            "a border must be a LineString",
        ),
        (
            load_kml,
            "<kml><Document><Placemark><name>b</name><LineString><coordinates>1,2 x,y</coordinates></LineString></Placemark></Document></kml>",
            "line 1",
            "'x,y' is not lon,lat",
        ),
        (load_kml, "<kml><Document>", "line 1", "not well-formed XML"),
        (load_kml, "<gpx/>", "line 1", "expected a <kml> document"),
    ],
)
def test_errors_name_the_file_the_place_and_the_problem(loader, text, where, problem):
    with pytest.raises(PlanFormatError) as info:
        loader("patrol.file", text=text)
    err = info.value
    assert err.source == "patrol.file"
    assert err.where == where
    assert problem in err.problem
    assert str(err).startswith(f"patrol.file: {where}: ")


def test_missing_file_is_a_format_error_naming_it(tmp_path):
    with pytest.raises(PlanFormatError, match="cannot read the file"):
        load_plan(tmp_path / "nope.plan")


def test_unknown_extension(tmp_path):
    with pytest.raises(PlanFormatError, match=r"unknown file type '\.gpx'"):
        load_plan_file(tmp_path / "x.gpx")
