"""Plans as mission items, and the read-back comparison that decides whether an upload is verified."""

import dataclasses

import pytest

from missions.mavitem import RawItem
from missions.values import FenceCircle, FencePolygon, Geofence, GeoPoint, RallyPoint
from telemetry.mission_items import (
    MissionType,
    compare_items,
    fence_to_items,
    items_to_fence,
    items_to_mission,
    items_to_rally,
    mission_to_items,
    rally_to_items,
)
from tests.missions.builders import home_at, mission_through


def test_mission_items_start_with_home_and_use_int_frames():
    mission = mission_through((0, 100), (100, 100))
    items = mission_to_items(mission)
    assert items[0].frame == 0 and items[0].z == mission.home.alt_amsl_m
    assert [i.frame for i in items[1:3]] == [6, 6]  # TAKEOFF, WAYPOINT relative-alt INT
    assert items[-1].frame == 2  # RTL: no place
    back = items_to_mission(items)
    assert back.items == mission.items


def test_fence_and_rally_round_trip():
    fence = Geofence(
        polygons=(
            FencePolygon(
                vertices=(
                    GeoPoint(lat_deg=1, lon_deg=1),
                    GeoPoint(lat_deg=1, lon_deg=2),
                    GeoPoint(lat_deg=2, lon_deg=2),
                ),
                inclusion=True,
            ),
            FencePolygon(
                vertices=tuple(
                    GeoPoint(lat_deg=a, lon_deg=b) for a, b in ((0, 0), (0, 0.1), (0.1, 0.1), (0.1, 0))
                ),
                inclusion=False,
            ),
        ),
        circles=(FenceCircle(center=GeoPoint(lat_deg=1.5, lon_deg=1.5), radius_m=120.0, inclusion=False),),
    )
    items = fence_to_items(fence)
    assert [i.command for i in items] == [5001] * 3 + [5002] * 4 + [5004]
    assert items[0].param1 == 3 and items[3].param1 == 4 and items[-1].param1 == 120.0
    assert items_to_fence(items) == fence
    rally = (RallyPoint(lat_deg=1.0, lon_deg=2.0, alt_m=40.0),)
    assert items_to_rally(rally_to_items(rally)) == rally


def test_read_back_with_ardupilot_rewrites_is_identical():
    sent = mission_to_items(mission_through((0, 100), (100, 100), home=home_at()))
    got = [dataclasses.replace(sent[0], x=31.9, y=-110.5, z=1234.0)]  # ArduPilot puts its own home at seq 0
    for item in sent[1:]:
        frame = {6: 3, 5: 0, 11: 10}.get(item.frame, item.frame)
        # float32 params and 1e-7 degree positions
        got.append(
            dataclasses.replace(
                item,
                frame=frame,
                x=round(item.x * 1e7) / 1e7,
                y=round(item.y * 1e7) / 1e7,
                z=float(__import__("numpy").float32(item.z)),
            )
        )
    assert compare_items(sent, got, MissionType.MISSION) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"command": 19}, "command"),
        ({"x": 31.5}, "x"),
        ({"z": 61.0}, "z"),
        ({"param1": 3.0}, "param1"),
        ({"frame": 0}, "frame"),
        ({"autocontinue": False}, "autocontinue"),
    ],
)
def test_any_real_difference_is_reported(change, field):
    sent = mission_to_items(mission_through((0, 100), (100, 100)))
    got = list(sent)
    got[2] = dataclasses.replace(sent[2], **change)
    diffs = compare_items(sent, got, MissionType.MISSION)
    assert [(d.seq, d.field) for d in diffs] == [(2, field)]
    assert "item 2:" in str(diffs[0])


def test_a_missing_item_is_a_count_difference():
    sent = mission_to_items(mission_through((0, 100), (100, 100)))
    diffs = compare_items(sent, sent[:-1], MissionType.MISSION)
    assert diffs[0].field == "count" and (diffs[0].sent, diffs[0].read_back) == (len(sent), len(sent) - 1)


def test_nan_params_compare_equal():
    a = [RawItem(command=16, frame=6, param4=None, x=1.0, y=1.0, z=1.0)]
    b = [RawItem(command=16, frame=3, param4=float("nan"), x=1.0, y=1.0, z=1.0)]
    assert compare_items(a, b, MissionType.RALLY) == []
