"""The link against REAL ArduCopter SITL (BORDERWATCH_ARDUPILOT): the upload and flight scenarios of
test_link_sim.py, with what ArduPilot itself stores, answers and says.

SITL runs at a speed-up, so every wait is on observable state with a timeout in wall seconds, and the
link's GCS heartbeat is fast enough for the vehicle's 5 s (simulated) failsafe window.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest

from missions.values import Plan
from telemetry import commands
from telemetry.ardupilot_storage import stored_form
from telemetry.config import LinkConfig
from telemetry.errors import CommandRejectedError
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
from telemetry.trusted_upload import trusted_upload
from tests.sitl.vehicle_targets import ARDUPILOT, needs_ardupilot, sim_process

pytestmark = [pytest.mark.ardupilot, needs_ardupilot]

SPEEDUP = 10.0
# 20 Hz wall = 2 Hz simulated: well inside ArduCopter's 5 s GCS failsafe at a 10x speed-up.
CONFIG = LinkConfig(heartbeat_hz=20.0)


def wall_s(sim_s: float) -> float:
    """Wall seconds to allow for ``sim_s`` simulated seconds (slack for a busy 2-core machine)."""
    return 5.0 + 2.0 * sim_s / SPEEDUP


@contextlib.contextmanager
def ardupilot_link(plan: Plan) -> Iterator[VehicleLink]:
    """A fresh real SITL vehicle at the plan's home (stopped, SIGKILL if need be, even on failure)."""
    h = plan.mission.home
    home = f"{h.lat_deg},{h.lon_deg},{h.alt_amsl_m},0"
    with (
        sim_process("--ardupilot", ARDUPILOT, "--speedup", str(SPEEDUP), "--home", home) as proc,
        VehicleLink(f"tcp:127.0.0.1:{proc.port(0)}", name="sitl", config=CONFIG) as link,
    ):
        yield link


@pytest.fixture(scope="module")
def link(sample_plan: Plan) -> Iterator[VehicleLink]:
    with ardupilot_link(sample_plan) as link:
        yield link


def test_trusted_upload_of_the_sample_patrol_is_verified(link: VehicleLink, sample_plan: Plan) -> None:
    report = trusted_upload(link, sample_plan)
    assert report.verified, report
    assert [p.mission_type for p in report.parts] == ["mission", "fence", "rally"]
    assert all(p.verified and not p.differences and p.acknowledged for p in report.parts)
    fence_items = sum(len(p.vertices) for p in sample_plan.fence.polygons) + len(sample_plan.fence.circles)
    assert report.items == len(sample_plan.mission.items) + 1 + fence_items + len(sample_plan.rally_points)


@pytest.mark.parametrize("kind", [MissionType.MISSION, MissionType.FENCE, MissionType.RALLY])
def test_upload_download_clear_round_trip(link: VehicleLink, sample_plan: Plan, kind: MissionType) -> None:
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
        assert not any(i.autocontinue for i in got)  # AC_PolyFence keeps no autocontinue
        fence = items_to_fence(got)
        assert [len(p.vertices) for p in fence.polygons] == [
            len(p.vertices) for p in sample_plan.fence.polygons
        ]
        assert fence.circles[0].radius_m == pytest.approx(8000.0)
    elif kind == MissionType.RALLY:
        assert items_to_rally(got)[0].alt_m == 40.0
        assert [(i.frame, i.autocontinue) for i in got] == [(3, False)]
    else:
        assert got[0].frame == 0  # seq 0 is home, AMSL
        assert [i.command for i in got[1:]] == [i.command for i in items[1:]]
        assert items[3].frame == 6 and got[3].frame == 3  # a waypoint sent as 6 reads back as 3
    clear(link, kind)
    got, _ = download(link, kind)
    assert got == []  # a cleared mission counts 0 items: ArduPilot does not count home


def test_arming_is_refused_with_ardupilots_reason_until_there_is_a_position(sample_plan: Plan) -> None:
    with ardupilot_link(sample_plan) as link:
        commands.set_mode(link, "GUIDED")  # disarmed, ArduCopter enters GUIDED without a position
        refusals: list[CommandRejectedError] = []
        deadline = time.monotonic() + wall_s(60)
        while True:
            try:
                commands.arm(link)
                break
            except CommandRejectedError as exc:
                refusals.append(exc)
            assert time.monotonic() < deadline, [r.reasons for r in refusals]
            time.sleep(0.1)
        assert link.state().armed and link.state().ekf_ready
        assert refusals and {r.result for r in refusals} == {"MAV_RESULT_FAILED"}
        # Before home: "Arm: AHRS: waiting for home" (and SITL's sensor warm-up texts); then, until the
        # EKF uses GPS, ArduCopter's own reason for GUIDED:
        needs_position = [r for r in refusals if "Arm: Need Position Estimate" in r.reasons]
        assert needs_position, [r.reasons for r in refusals]
        assert "Need Position Estimate" in str(needs_position[-1])
        commands.disarm(link)


def test_launch_pause_resume_and_return(sample_plan: Plan) -> None:
    with ardupilot_link(sample_plan) as link:
        assert trusted_upload(link, sample_plan).verified
        steps: list[str] = []
        launch_patrol(
            link, alt_rel_m=30.0, progress=lambda step, text: steps.append(step), ready_timeout_s=wall_s(60)
        )
        assert steps[0] == "ready" and steps[-3:] == ["climb", "auto", "done"]
        assert {"guided", "arm", "takeoff"} <= set(steps)
        state = commands.wait_state(
            link, lambda s: (s.mission_current_seq or 0) >= 3, wall_s(60), "mission progress"
        )
        assert state.mode == "AUTO" and state.armed
        commands.wait_state(link, lambda s: (s.ground_speed_m_s or 0) > 5, wall_s(30), "cruise")
        commands.pause(link)
        commands.wait_state(link, lambda s: (s.ground_speed_m_s or 9) < 0.3, wall_s(15), "stopped")
        held = link.state()
        time.sleep(10.0 / SPEEDUP)  # 10 s simulated
        assert link.state().mode == "BRAKE"
        assert abs(link.state().lat_deg - held.lat_deg) < 5e-6  # holds within ~0.5 m
        seq = held.mission_current_seq
        commands.resume(link)
        assert (
            link.state().mode == "AUTO" and link.state().mission_current_seq == seq
        )  # resumes, not restarts
        commands.wait_state(link, lambda s: (s.ground_speed_m_s or 0) > 5, wall_s(30), "under way again")
        commands.return_to_launch(link)
        commands.wait_state(link, lambda s: not s.armed, wall_s(300), "landing at home")
        s = link.state()
        home = sample_plan.mission.home
        assert s.lat_deg == pytest.approx(home.lat_deg, abs=2e-5)
        assert s.lon_deg == pytest.approx(home.lon_deg, abs=2e-5)
        assert abs(s.alt_rel_m or 0.0) < 1.0
