"""Mission items as MAVLink numbers: each command's params map to named fields and back, losslessly."""

import pytest

from missions.errors import InvalidValueError
from missions.mavitem import RawItem, raw_to_waypoint, waypoint_frame, waypoint_to_raw
from missions.values import AltFrame, MavCmd, Waypoint


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        (
            RawItem(
                command=16, frame=3, param1=5.0, param2=2.0, param3=0.0, param4=None, x=31.0, y=-111.0, z=60.0
            ),
            {"hold_s": 5.0, "acceptance_radius_m": 2.0, "yaw_deg": None, "alt_frame": AltFrame.REL_HOME},
        ),
        (
            RawItem(command=16, frame=0, param4=90.0, x=31.0, y=-111.0, z=1200.0),
            {"yaw_deg": 90.0, "alt_frame": AltFrame.AMSL, "alt_m": 1200.0},
        ),
        (RawItem(command=16, frame=10, x=31.0, y=-111.0, z=50.0), {"alt_frame": AltFrame.AGL}),
        (RawItem(command=16, frame=6, x=31.0, y=-111.0, z=50.0), {"alt_frame": AltFrame.REL_HOME}),
        (
            RawItem(command=19, frame=3, param1=30.0, param3=50.0, x=1.0, y=1.0, z=100.0),
            {"hold_s": 30.0, "loiter_radius_m": 50.0},
        ),
        (
            RawItem(command=18, frame=3, param1=3.0, param3=-25.0, x=1.0, y=1.0, z=100.0),
            {"loiter_turns": 3.0, "loiter_radius_m": -25.0},
        ),
        (RawItem(command=22, frame=3, param4=None, x=1.0, y=1.0, z=30.0), {"command": MavCmd.NAV_TAKEOFF}),
        (
            RawItem(command=178, frame=2, param1=1.0, param2=10.0, param3=-1.0, param4=0.0),
            {"speed_m_s": 10.0},
        ),
        (RawItem(command=206, frame=2, param1=25.0, param2=0.0, param3=1.0), {"trigger_distance_m": 25.0}),
        (RawItem(command=201, frame=3, x=31.0, y=-111.0, z=0.0), {"command": MavCmd.DO_SET_ROI}),
        (RawItem(command=20, frame=2), {"command": MavCmd.NAV_RETURN_TO_LAUNCH}),
    ],
)
def test_known_commands_map_to_named_fields_and_back(raw, fields):
    wp = raw_to_waypoint(raw)
    for name, value in fields.items():
        assert getattr(wp, name) == value, name
    assert wp.params is None
    back = waypoint_to_raw(wp)
    assert back.params == tuple(None if p is None else float(p) for p in raw.params)
    assert (back.x, back.y, back.z) == (raw.x, raw.y, raw.z)


def test_params_a_command_does_not_name_are_kept_raw():
    # DO_CHANGE_SPEED with speed type 0 (airspeed) is not what the named fields write: keep it raw.
    raw = RawItem(command=178, frame=2, param1=0.0, param2=12.0, param3=50.0, param4=0.0)
    wp = raw_to_waypoint(raw)
    assert wp.params == (0.0, 12.0, 50.0, 0.0)
    assert waypoint_to_raw(wp).params == raw.params


def test_unknown_command_round_trips_raw():
    raw = RawItem(command=2500, frame=2, param1=0.0, param2=None, param3=7.0, param4=1.0)
    wp = raw_to_waypoint(raw)
    assert wp.command == 2500 and wp.params == (0.0, None, 7.0, 1.0)
    assert waypoint_to_raw(wp).params == raw.params


def test_int_frames_are_used_when_asked():
    wp = Waypoint(lat_deg=1.0, lon_deg=2.0, alt_m=3.0)
    assert waypoint_frame(wp) == 3
    assert waypoint_frame(wp, int_frames=True) == 6
    assert waypoint_frame(Waypoint(command=MavCmd.DO_CHANGE_SPEED, speed_m_s=3.0), int_frames=True) == 2


def test_a_place_in_a_non_global_frame_is_refused():
    with pytest.raises(InvalidValueError, match="frame 1 is not a global frame"):
        raw_to_waypoint(RawItem(command=16, frame=1, x=1.0, y=1.0, z=1.0))


def test_impossible_coordinates_are_refused():
    with pytest.raises(InvalidValueError, match="latitude 123"):
        raw_to_waypoint(RawItem(command=16, frame=3, x=123.0, y=1.0, z=1.0))
