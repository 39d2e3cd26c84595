"""ArduCopter's failsafes for the simulator: battery (BATT_*), ground-station heartbeat (FS_GCS_*),
and geofence (FENCE_*). Each turns a condition into a STATUSTEXT and a mode change, once per episode.

Actions use ArduPilot's numbers: BATT_FS_LOW_ACT/BATT_FS_CRT_ACT 1 LAND, 2 RTL, 3/4 (SmartRTL)
RTL; FS_GCS_ENABLE 1-4 RTL, 5 LAND; FENCE_ACTION 1/3 RTL, 2 LAND, 4 BRAKE. RTL falls back to LAND
when it cannot be entered; a vehicle still on the ground is disarmed instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitl.vehicle import fence
from sitl.vehicle.battery import flight_current_a
from sitl.vehicle.codec import MAV_SEVERITY

if TYPE_CHECKING:
    from sitl.vehicle.autopilot import Autopilot

MODE_RTL, MODE_LAND, MODE_BRAKE = 6, 9, 17


@dataclass
class FailsafeState:
    battery_level: int = 0  # 0 none, 1 low, 2 critical
    low_volt_since_s: float | None = None
    crit_volt_since_s: float | None = None
    gcs_last_s: float | None = None
    gcs_active: bool = False
    fence_breached: str | None = None


def gcs_heard(ap: Autopilot) -> None:
    """A HEARTBEAT from the ground station (sysid SYSID_MYGCS) arrived."""
    ap.fs.gcs_last_s = ap.now_s
    if ap.fs.gcs_active:
        ap.fs.gcs_active = False
        ap.status(MAV_SEVERITY.CRITICAL, "GCS Failsafe Cleared")


def _act(ap: Autopilot, action_mode: int | None) -> None:
    """Switch to ``action_mode`` (RTL falls back to LAND), or disarm a vehicle on the ground."""
    if action_mode is None:
        return
    if not ap.airborne:
        ap.disarm(force=True)
        return
    if ap.mode in (MODE_LAND,) or (ap.mode == MODE_RTL and action_mode == MODE_RTL):
        return
    if not ap.set_mode(action_mode, reason="failsafe") and action_mode != MODE_LAND:
        ap.set_mode(MODE_LAND, reason="failsafe")


def _battery_action(code: int) -> int | None:
    return {1: MODE_LAND, 2: MODE_RTL, 3: MODE_RTL, 4: MODE_RTL}.get(int(code))


def _update_battery(ap: Autopilot, dt_s: float) -> None:
    p, b = ap.params, ap.body
    wind_n, wind_e = ap.wind_ne_m_s()
    airspeed = math.hypot(b.vn_m_s - wind_n, b.ve_m_s - wind_e)
    current = flight_current_a(
        armed=ap.armed, airborne=ap.airborne, airspeed_m_s=airspeed, climb_m_s=-b.vd_m_s
    )
    capacity = p.get("BATT_CAPACITY")
    ap.battery.step(dt_s, current_a=current, full_voltage_v=p.get("SIM_BATT_VOLTAGE"), capacity_mah=capacity)
    volts = ap.battery.voltage_v
    remaining_mah = capacity - ap.battery.consumed_mah
    fs = ap.fs
    timer = p.get("BATT_LOW_TIMER")

    def under(limit_v: float, since: float | None) -> tuple[bool, float | None]:
        if limit_v > 0 and volts < limit_v:
            since = ap.now_s if since is None else since
            return ap.now_s - since >= timer, since
        return False, None

    crit_v, fs.crit_volt_since_s = under(p.get("BATT_CRT_VOLT"), fs.crit_volt_since_s)
    low_v, fs.low_volt_since_s = under(p.get("BATT_LOW_VOLT"), fs.low_volt_since_s)
    crit = crit_v or (p.get("BATT_CRT_MAH") > 0 and remaining_mah < p.get("BATT_CRT_MAH"))
    low = low_v or (p.get("BATT_LOW_MAH") > 0 and remaining_mah < p.get("BATT_LOW_MAH"))
    level = 2 if crit else 1 if low else 0
    if level > fs.battery_level:
        fs.battery_level = level
        kind = "critical" if level == 2 else "low"
        ap.status(
            MAV_SEVERITY.CRITICAL,
            f"Battery 1 is {kind} {volts:.2f}V used {ap.battery.consumed_mah:.0f} mAh",
        )
        if ap.armed:
            _act(ap, _battery_action(p.get("BATT_FS_CRT_ACT" if level == 2 else "BATT_FS_LOW_ACT")))


def _update_gcs(ap: Autopilot) -> None:
    fs, p = ap.fs, ap.params
    enable = int(p.get("FS_GCS_ENABLE"))
    if enable == 0 or fs.gcs_last_s is None or not ap.armed or fs.gcs_active:
        return
    if ap.now_s - fs.gcs_last_s > p.get("FS_GCS_TIMEOUT"):
        fs.gcs_active = True
        ap.status(MAV_SEVERITY.CRITICAL, "GCS Failsafe On")
        _act(ap, MODE_LAND if enable == 5 else MODE_RTL)


def fence_breach(ap: Autopilot, *, ignore_alt: bool = False) -> str | None:
    b = ap.body
    return fence_breach_at(ap, b.lat_deg, b.lon_deg, b.alt_amsl_m, ignore_alt=ignore_alt)


def fence_breach_at(
    ap: Autopilot, lat_deg: float, lon_deg: float, alt_amsl_m: float, *, ignore_alt: bool = False
) -> str | None:
    """The fence a vehicle at this position would breach (also ArduCopter's check of GUIDED targets)."""
    p, b = ap.params, ap.body
    fence_type = int(p.get("FENCE_TYPE"))
    if ignore_alt:
        fence_type &= ~(fence.FENCE_TYPE_ALT_MAX | fence.FENCE_TYPE_ALT_MIN)
    home = (ap.home.lat_deg, ap.home.lon_deg) if ap.home else None
    alt_rel = alt_amsl_m - (ap.home.alt_amsl_m if ap.home else b.ground_amsl_m)
    return fence.breach(
        lat_deg=lat_deg,
        lon_deg=lon_deg,
        alt_rel_m=alt_rel,
        home=home,
        items=ap.store.fence.items,
        fence_type=fence_type,
        alt_max_m=p.get("FENCE_ALT_MAX"),
        alt_min_m=p.get("FENCE_ALT_MIN"),
        radius_m=p.get("FENCE_RADIUS"),
    )


# ArduPilot names a breach by fence type: "Polygon fence breached" for any inclusion/exclusion zone.
_FENCE_NAMES = {
    "maximum altitude": "Max Alt",
    "minimum altitude": "Min Alt",
    "circle": "Circle",
    "exclusion zone": "Polygon",
    "inclusion zone": "Polygon",
}


def _update_fence(ap: Autopilot) -> None:
    fs = ap.fs
    if ap.params.get("FENCE_ENABLE") < 1 or not ap.armed or not ap.airborne:
        fs.fence_breached = None
        return
    which = fence_breach(ap)
    if which is None:
        if fs.fence_breached is not None:
            ap.status(MAV_SEVERITY.NOTICE, "Fence breach cleared")
        fs.fence_breached = None
        return
    if fs.fence_breached is not None:
        return
    fs.fence_breached = which
    ap.status(MAV_SEVERITY.NOTICE, f"{_FENCE_NAMES[which]} fence breached")
    action = int(ap.params.get("FENCE_ACTION"))
    _act(ap, {1: MODE_RTL, 2: MODE_LAND, 3: MODE_RTL, 4: MODE_BRAKE, 5: MODE_RTL}.get(action))


def update(ap: Autopilot, dt_s: float) -> None:
    _update_battery(ap, dt_s)
    _update_gcs(ap)
    _update_fence(ap)
