"""``borderwatch plan ...`` through the real entry point."""

import json

import pytest

from missions.formats import load_plan_file
from missions.samples import sample_border_path
from missions.values import MavCmd
from tests.cli import run

SAMPLE = sample_border_path()


def test_plan_border_writes_a_valid_plan_and_reports_json(tmp_path):
    out = tmp_path / "patrol.plan"
    r = run(
        "plan",
        "border",
        "--line",
        SAMPLE,
        "--side",
        "north",
        "--standoff-m",
        "6",
        "--alt-m",
        "60",
        "--camera",
        "zoom",
        "--sector",
        "2/3",
        "--out",
        out,
        "--json",
    )
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["ok"] and doc["validation"]["ok"] and doc["validation"]["errors"] == 0
    assert doc["estimates"]["battery_pct"] < 80
    plan = load_plan_file(out)
    assert plan.border is not None and plan.camera_name == "zoom"
    assert plan.mission.items[0].command == MavCmd.NAV_TAKEOFF
    # far side fenced off plus the sample's keep-out zone
    assert [p.inclusion for p in plan.fence.polygons] == [False, False]


def test_plan_border_human_output_and_error_exit(tmp_path):
    r = run(
        "plan",
        "border",
        "--line",
        SAMPLE,
        "--side",
        "north",
        "--standoff-m",
        "40",
        "--alt-m",
        "60",
        "--out",
        tmp_path / "x.plan",
    )
    assert r.code == 1
    assert "leaves the border line unseen" in r.err
    r = run(
        "plan",
        "border",
        "--line",
        SAMPLE,
        "--side",
        "north",
        "--alt-m",
        "60",
        "--sector",
        "1/3",
        "--out",
        tmp_path / "x.plan",
    )
    assert r.code == 0
    assert "wrote" in r.out and "validation: no findings" in r.out


def test_plan_check_exits_1_on_an_error_finding(tmp_path):
    out = tmp_path / "whole.plan"
    assert run("plan", "border", "--line", SAMPLE, "--side", "north", "--alt-m", "60", "--out", out).code == 0
    r = run("plan", "check", out, "--json")  # the whole 16 km line out and back: too long for one battery
    assert r.code == 1
    doc = r.json()
    assert doc["ok"] is False and [f["code"] for f in doc["findings"] if f["severity"] == "error"] == [
        "endurance"
    ]
    assert run("plan", "check", out, "--endurance-min", "120").code == 0


def test_plan_check_refuses_a_plan_crossing_a_keep_out(tmp_path):
    out = tmp_path / "two-passes.plan"
    # a second pass 32 m from the line runs into the port-of-entry keep-out zone 30 m north of it
    r = run(
        "plan",
        "border",
        "--line",
        SAMPLE,
        "--side",
        "north",
        "--alt-m",
        "60",
        "--passes",
        "2",
        "--sector",
        "3/3",
        "--out",
        out,
        "--json",
    )
    assert r.code == 0
    codes = [f["code"] for f in r.json()["validation"]["findings"]]
    assert "keep-out" in codes
    check = run("plan", "check", out)
    assert check.code == 1 and "enters a keep-out polygon" in check.out


def test_plan_sweep(tmp_path):
    area = tmp_path / "area.geojson"
    area.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"role": "area", "name": "wash"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [
                                    [-110.97, 31.34],
                                    [-110.96, 31.34],
                                    [-110.96, 31.345],
                                    [-110.97, 31.345],
                                    [-110.97, 31.34],
                                ]
                            ],
                        },
                    },
                    {
                        "type": "Feature",
                        "properties": {"role": "home"},
                        "geometry": {"type": "Point", "coordinates": [-110.975, 31.342]},
                    },
                ],
            }
        )
    )
    out = tmp_path / "sweep.waypoints"
    r = run("plan", "sweep", "--area", area, "--alt-m", "60", "--overlap", "0.3", "--out", out, "--json")
    assert r.code == 0, r.err
    assert r.json()["items"] > 10
    assert out.read_text().startswith("QGC WPL 110")


def test_plan_convert_between_formats(tmp_path):
    src = tmp_path / "p.plan"
    run(
        "plan",
        "border",
        "--line",
        SAMPLE,
        "--side",
        "north",
        "--alt-m",
        "60",
        "--sector",
        "1/3",
        "--out",
        src,
    )
    for ext in (".waypoints", ".geojson", ".kml", ".kmz"):
        dst = tmp_path / f"p{ext}"
        r = run("plan", "convert", src, dst, "--json")
        assert r.code == 0 and r.json()["items"] == 6
        assert load_plan_file(dst).mission.items == load_plan_file(src).mission.items


def test_plan_stats_reports_coverage_and_revisit(tmp_path):
    src = tmp_path / "p.plan"
    run(
        "plan",
        "border",
        "--line",
        SAMPLE,
        "--side",
        "north",
        "--alt-m",
        "60",
        "--sector",
        "2/3",
        "--out",
        src,
    )
    one = run("plan", "stats", src, "--json").json()
    three = run("plan", "stats", src, "--drones", "3", "--json").json()
    assert one["effectiveness"]["coverage_share"] == pytest.approx(1.0, abs=1e-3)
    assert len(one["effectiveness"]["segments"]) == 6  # 5.3 km in 1 km segments
    assert three["effectiveness"]["worst_gap_s"] < one["effectiveness"]["worst_gap_s"] / 2
    human = run("plan", "stats", src)
    assert "worst revisit gap" in human.out and "seen by the zoom camera: 100.0%" in human.out


def test_bad_input_file_gives_a_clear_error(tmp_path):
    bad = tmp_path / "bad.plan"
    bad.write_text('{"fileType": "Plan", "version": 1, "mission": {"items": []}}')
    r = run("plan", "check", bad)
    assert r.code == 1
    assert f"{bad}: $.mission: missing required key 'plannedHomePosition'" in r.err


def test_demo_plans_three_sectors(tmp_path):
    r = run("demo", "--plans-only", "--out-dir", tmp_path)
    assert r.code == 0
    assert r.out.count("validation: 0 error(s)") == 3
    assert len(list(tmp_path.glob("sector-*-of-3.plan"))) == 3


def test_bench_planning_prints_json():
    r = run("bench", "planning", "--runs", "2")
    doc = r.json()
    assert doc["benchmark"] == "planning"
    assert doc["border_patrol_100km"]["border_km"] == pytest.approx(100.0, abs=0.5)
    assert doc["border_patrol_100km"]["plan_and_validate_ms_median"] > 0
