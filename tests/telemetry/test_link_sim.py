"""The link against simulated vehicles over real sockets: state, streams, missions, commands, records."""

from __future__ import annotations

import time

import pytest

from missions.values import FencePolygon, Geofence, GeoPoint, Plan
from telemetry import commands
from telemetry.ardupilot_storage import stored_form
from telemetry.config import LinkConfig
from telemetry.errors import CommandRejectedError, UploadRefusedError
from telemetry.launch import launch_patrol
from telemetry.link import VehicleLink
from telemetry.mission_items import (
    MissionType,
    compare_items,
    fence_to_items,
    items_to_fence,
    items_to_rally,
    mission_to_items,
    rally_to_items,
)
from telemetry.mission_protocol import clear, download, upload
from telemetry.replay import replay_states
from telemetry.trusted_upload import trusted_upload
from tests.simproc import simulator

FAST = LinkConfig(
    heartbeat_hz=5.0
)  # with a speed-up the vehicle's 5 s GCS failsafe comes sooner in wall time


@pytest.fixture(scope="module")
def sim():
    with simulator(1, speedup=1.0, ekf_delay_s=1.0) as handle:
        yield handle


@pytest.fixture
def link(sim, tmp_path):
    with VehicleLink(sim.urls[0], name="sim0", config=FAST, tlog_dir=tmp_path / "tlogs") as link:
        yield link


def test_state_and_streams_arrive_at_the_requested_rates(link):
    with link.listen("GLOBAL_POSITION_INT", "ATTITUDE", "HEARTBEAT") as inbox:
        time.sleep(3.0)
        got = inbox.drain()
    counts = {
        k: sum(1 for m in got if m.get_type() == k) for k in ("GLOBAL_POSITION_INT", "ATTITUDE", "HEARTBEAT")
    }
    # 10 Hz requested; the first ~0.3 s may pass before the request is served
    assert 22 <= counts["GLOBAL_POSITION_INT"] <= 36
    assert 22 <= counts["ATTITUDE"] <= 36
    assert 2 <= counts["HEARTBEAT"] <= 4
    state = link.state()
    assert state.lat_deg == pytest.approx(31.348, abs=1e-4) and state.alt_rel_m == pytest.approx(0.0, abs=0.5)
    assert state.home is not None and state.mode == "STABILIZE" and not state.armed
    assert state.link.connected and not state.link.stale and state.link.heartbeat_age_s < 1.5
    assert state.gimbal_pitch_deg == pytest.approx(-90.0, abs=0.5)


@pytest.mark.parametrize("kind", [MissionType.MISSION, MissionType.FENCE, MissionType.RALLY])
def test_upload_download_clear_round_trip(link, sample_plan, kind):
    items = {
        MissionType.MISSION: mission_to_items(sample_plan.mission),
        MissionType.FENCE: fence_to_items(sample_plan.fence),
        MissionType.RALLY: rally_to_items(sample_plan.rally_points),
    }[kind]
    progress: list[tuple[int, int]] = []
    stats = upload(link, kind, items, progress=lambda d, t: progress.append((d, t)))
    assert stats.acknowledged and stats.items == len(items)
    assert progress[-1] == (len(items), len(items))
    got, _ = download(link, kind)
    assert len(got) == len(items)
    assert compare_items([stored_form(i) for i in items], got, kind) == []
    if kind == MissionType.FENCE:
        fence = items_to_fence(got)
        assert [len(p.vertices) for p in fence.polygons] == [
            len(p.vertices) for p in sample_plan.fence.polygons
        ]
        assert fence.circles[0].radius_m == pytest.approx(8000.0)
    elif kind == MissionType.RALLY:
        assert items_to_rally(got)[0].alt_m == 40.0
    else:
        assert got[0].frame == 0  # seq 0 is home, AMSL
        assert [i.command for i in got[1:]] == [i.command for i in items[1:]]
        assert items[3].frame == 6 and got[3].frame == 3  # a waypoint sent as 6 reads back as 3
    clear(link, kind)
    got, _ = download(link, kind)
    assert got == []  # as on ArduPilot, a cleared mission counts 0 items (home is not counted)


def test_trusted_upload_is_verified(link, sample_plan):
    report = trusted_upload(link, sample_plan)
    assert report.verified, report
    assert [p.mission_type for p in report.parts] == ["mission", "fence", "rally"]
    assert all(p.verified and not p.differences for p in report.parts)
    assert (
        report.items
        == len(sample_plan.mission.items)
        + 1
        + sum(len(p.vertices) for p in sample_plan.fence.polygons)
        + 1
        + 1
    )


def test_a_plan_with_errors_is_refused_before_anything_is_sent(link, sample_plan):
    clear(link, MissionType.MISSION)
    far = GeoPoint(lat_deg=31.20, lon_deg=-110.98)  # 16 km south: across the border
    bad = Plan(
        mission=sample_plan.mission,
        fence=Geofence(
            polygons=(
                FencePolygon(
                    vertices=(
                        far,
                        GeoPoint(lat_deg=31.5, lon_deg=-111.2),
                        GeoPoint(lat_deg=31.5, lon_deg=-110.7),
                    ),
                    inclusion=False,
                ),
            )
        ),
        border=sample_plan.border,
    )
    with pytest.raises(UploadRefusedError, match="keep-out"):
        trusted_upload(link, bad)
    got, _ = download(link, MissionType.MISSION)
    assert got == []  # still empty: nothing was uploaded


@pytest.fixture
def fast_link():
    with (
        simulator(1, speedup=5.0, ekf_delay_s=2.0) as handle,
        VehicleLink(handle.urls[0], config=FAST) as link,
    ):
        yield link


def test_launch_pause_resume_and_return(fast_link, sample_plan):
    link = fast_link
    assert trusted_upload(link, sample_plan).verified
    steps: list[str] = []
    launch_patrol(link, alt_rel_m=30.0, progress=lambda step, text: steps.append(step))
    assert steps == ["ready", "guided", "arm", "takeoff", "climb", "auto", "done"]
    state = commands.wait_state(link, lambda s: (s.mission_current_seq or 0) >= 2, 30.0, "mission progress")
    assert state.mode == "AUTO" and state.armed
    commands.pause(link)
    time.sleep(2.0)
    held = link.state()
    time.sleep(1.0)
    assert link.state().mode == "BRAKE"
    assert abs(link.state().lat_deg - held.lat_deg) < 2e-5  # it holds position
    seq = held.mission_current_seq
    commands.resume(link)
    assert link.state().mode == "AUTO" and link.state().mission_current_seq == seq
    commands.return_to_launch(link)
    commands.wait_state(link, lambda s: not s.armed, 60.0, "landing at home")
    s = link.state()
    assert s.lat_deg == pytest.approx(sample_plan.mission.home.lat_deg, abs=2e-5)


def test_refused_command_gives_the_vehicles_reason():
    with (
        simulator(1, speedup=10.0, ekf_delay_s=60.0) as handle,
        VehicleLink(handle.urls[0], config=FAST) as link,
    ):
        commands.set_mode(link, "GUIDED")  # disarmed, ArduCopter enters GUIDED without a position...
        commands.wait_state(link, lambda s: s.home is not None, 10.0, "home")  # (sim: at 30 s of 60)
        with pytest.raises(CommandRejectedError) as info:  # ...and refuses to arm in it
            commands.arm(link)
        assert info.value.result == "MAV_RESULT_FAILED"
        assert "Arm: Need Position Estimate" in info.value.reasons
        assert "Need Position Estimate" in str(info.value)


def test_tlog_replays_to_the_same_states(sim, tmp_path):
    seen = []
    with VehicleLink(sim.urls[0], name="rec", config=FAST, tlog_dir=tmp_path) as link:
        link.subscribe(
            lambda t, m: (
                seen.append(link.tracker.snapshot(t)) if m.get_type() == "GLOBAL_POSITION_INT" else None
            )
        )
        time.sleep(2.0)
        path = link.tlogs.session_path
    replayed = list(replay_states(path))
    assert len(replayed) == len(seen) > 10
    for live, again in zip(seen, replayed, strict=True):
        assert (again.lat_deg, again.lon_deg, again.alt_rel_m, again.mode, again.yaw_deg) == (
            live.lat_deg, live.lon_deg, live.alt_rel_m, live.mode, live.yaw_deg,
        )  # fmt: skip
        assert again.t_unix_s == pytest.approx(live.t_unix_s, abs=1e-6)
