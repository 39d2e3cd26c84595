"""The link over a bad radio: 30 % loss each way, and a link cut in flight."""

from __future__ import annotations

import time

import pytest

from missions.camera import camera_preset
from missions.formats import load_features_file
from missions.patterns import border_patrol, border_sector
from missions.samples import sample_border_path
from missions.values import Geofence, HomePosition, MavCmd, Mission, Plan, Waypoint
from sitl.proxy import LinkFaults, LossyProxy
from telemetry import commands
from telemetry.ardupilot_storage import stored_form
from telemetry.config import LinkConfig
from telemetry.errors import LinkError
from telemetry.fleet import Fleet
from telemetry.launch import launch_patrol
from telemetry.link import VehicleLink
from telemetry.mission_items import MissionType, compare_items, fence_to_items, mission_to_items
from telemetry.mission_protocol import download
from telemetry.params import set_param
from telemetry.trusted_upload import trusted_upload
from tests.simproc import free_base_port, simulator

# A bad radio: timeouts scaled to the simulator's speed-up (its 1 s re-request comes every 0.1 s of wall
# time at 10x), more retries than the spec's 5, and heartbeats often enough not to trip the vehicle's
# GCS failsafe through the loss.
SPEEDUP = 10.0
LOSSY = LinkConfig(
    heartbeat_hz=20.0,
    reconnect_after_s=30.0,
    mission_timeout_s=0.3,
    mission_item_timeout_s=0.15,
    mission_retries=10,
)


def sector_plan(alt_m: float) -> Plan:
    f = load_features_file(sample_border_path())
    sector = border_sector(f.borders[0], 2, 3)
    pattern, far_side = border_patrol(
        border=sector, side="north", home=f.home, alt_m=alt_m, camera=camera_preset("zoom")
    )
    return Plan(mission=pattern.mission, fence=Geofence(polygons=far_side), border=sector)


def test_twenty_trusted_uploads_at_30_percent_loss_never_report_wrong_items():
    outcomes = []
    with simulator(1, speedup=SPEEDUP, ekf_delay_s=1.0) as sim:
        vehicle_port = int(sim.urls[0].rsplit(":", 1)[1])
        proxy_port = free_base_port(1)
        faults = LinkFaults(drop=0.3)
        with LossyProxy(listen_port=proxy_port, vehicle_port=vehicle_port, up=faults, down=faults, seed=7) as proxy, \
                VehicleLink(f"tcp:127.0.0.1:{proxy_port}", config=LOSSY) as lossy, \
                VehicleLink(sim.urls[0], name="clean") as clean:  # fmt: skip
            for run in range(20):
                plan = sector_plan(alt_m=40.0 + run)  # every run different: stale items would show
                try:
                    report = trusted_upload(lossy, plan, include_rally=False)
                except LinkError as exc:
                    outcomes.append(("error", str(exc)))
                    continue
                # what the vehicle really holds, read over a clean connection
                held_mission, _ = download(clean, MissionType.MISSION)
                held_fence, _ = download(clean, MissionType.FENCE)
                matches = not compare_items([stored_form(i) for i in mission_to_items(plan.mission)], held_mission, MissionType.MISSION) \
                    and not compare_items([stored_form(i) for i in fence_to_items(plan.fence)], held_fence, MissionType.FENCE)  # fmt: skip
                if report.verified:
                    assert matches, f"run {run}: reported verified but the vehicle holds other items"
                    outcomes.append(("verified", report.retries))
                else:
                    assert report.error, f"run {run}: unverified without a reason"
                    outcomes.append(("unverified", report.error))
            dropped = proxy.stats.to_vehicle.dropped + proxy.stats.to_client.dropped
            frames = proxy.stats.to_vehicle.frames + proxy.stats.to_client.frames
    assert len(outcomes) == 20
    verified = [o for o in outcomes if o[0] == "verified"]
    assert len(verified) >= 14, outcomes  # most get through; the rest say why they did not
    assert sum(r for _, r in verified) > 0  # the loss really forced retries
    assert 0.25 < dropped / frames < 0.35


def short_patrol() -> Plan:
    """A 200 m square near home, flown twice: items come up every few seconds."""
    home = load_features_file(sample_border_path()).home
    corners = [(0.0018, 0.0), (0.0018, 0.0021), (0.0, 0.0021), (0.0, 0.0)] * 2
    return Plan(mission=mission_through_offsets(home, corners))


def mission_through_offsets(home: HomePosition, offsets: list[tuple[float, float]]) -> Mission:
    items = [Waypoint(command=MavCmd.NAV_TAKEOFF, lat_deg=home.lat_deg, lon_deg=home.lon_deg, alt_m=30.0)]
    items += [
        Waypoint(lat_deg=home.lat_deg + dlat, lon_deg=home.lon_deg + dlon, alt_m=30.0)
        for dlat, dlon in offsets
    ]
    items.append(Waypoint(command=MavCmd.NAV_RETURN_TO_LAUNCH))
    return Mission(home=home, items=tuple(items))


@pytest.fixture
def flying(tmp_path):
    """A simulated drone flying a patrol, reached through a proxy that can cut the link."""
    with simulator(1, speedup=2.0, ekf_delay_s=1.0) as sim:
        proxy_port = free_base_port(1)
        with LossyProxy(listen_port=proxy_port, vehicle_port=int(sim.urls[0].rsplit(":", 1)[1])) as proxy:
            fleet = Fleet(
                config=LinkConfig(heartbeat_hz=4.0, stale_after_s=2.0, reconnect_after_s=4.0),
                tlog_dir=tmp_path,
            )
            try:
                link = fleet.add("d1", f"tcp:127.0.0.1:{proxy_port}", wait=True)
                set_param(
                    link, "FS_GCS_ENABLE", 0
                )  # the cut must not send it home: we want to see the mission go on
                assert trusted_upload(link, short_patrol()).verified
                launch_patrol(link, alt_rel_m=30.0)
                commands.wait_state(link, lambda s: (s.mission_current_seq or 0) >= 2, 60.0, "on patrol")
                yield fleet, link, proxy
            finally:
                fleet.stop()


@pytest.mark.parametrize("mode", ["close", "blackhole"])
def test_link_cut_in_flight_reconnects_and_the_mission_goes_on(flying, mode):
    fleet, link, proxy = flying
    before = link.state()
    proxy.cut(mode=mode)
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and not fleet.states()["d1"].link.stale:
        time.sleep(0.1)
    assert fleet.states()["d1"].link.stale, "a cut link must show as stale"
    time.sleep(6.0)  # long enough for the link to give up on a silent socket and reopen it
    proxy.restore()
    state = commands.wait_state(
        link, lambda s: not s.link.stale and s.mission_current_seq is not None, 20.0, "reconnect"
    )
    assert state.mode == "AUTO" and state.armed
    assert state.link.reconnects >= 1
    progressed = commands.wait_state(
        link, lambda s: (s.mission_current_seq or 0) > (before.mission_current_seq or 0), 60.0, "progress"
    )
    assert progressed.mission_current_seq > before.mission_current_seq
