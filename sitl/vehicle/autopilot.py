"""The flight controller of one simulated ArduCopter: modes, arming, takeoff, guided targets, the
gimbal, and the mission runner, advanced by ``step(dt)`` in simulated time. No sockets, no MAVLink
encoding: commands are method calls returning MAV_RESULT numbers, and what the ground station
should hear about is queued in ``events``.
"""

from __future__ import annotations

import math
from enum import IntEnum

from sitl.vehicle import failsafes
from sitl.vehicle.battery import Battery
from sitl.vehicle.codec import MAV_RESULT, MAV_SEVERITY
from sitl.vehicle.config import VehicleConfig
from sitl.vehicle.events import CurrentChanged, Event, HomeChanged, ItemReached, StatusText
from sitl.vehicle.kinematics import Body, Limits, Setpoint, ne_offset_m, offset_deg, wrap_180
from sitl.vehicle.mission_items import StoredItem
from sitl.vehicle.mission_runner import MissionRunner
from sitl.vehicle.mission_store import MissionStore
from sitl.vehicle.navigation import Circle, GoTo, Hold, Home, Land, ReturnToLaunch, Takeoff, Task
from sitl.vehicle.params import ParamStore

FORCE_MAGIC = 21196
LANDED_DISARM_S = 1.0
BOOT_S = 2.0  # ArduCopter SITL answers MAVLink ~2.4 s before it has initialised (HEARTBEAT BOOT)
AUTO_OPTION_TAKEOFF_WITHOUT_THROTTLE = 2  # AUTO_OPTIONS bit 1


class Mode(IntEnum):
    """ArduCopter's custom_mode numbers (the ones the simulator flies)."""

    STABILIZE = 0
    ALT_HOLD = 2
    AUTO = 3
    GUIDED = 4
    LOITER = 5
    RTL = 6
    CIRCLE = 7
    LAND = 9
    POSHOLD = 16
    BRAKE = 17


ARMABLE = {Mode.STABILIZE, Mode.ALT_HOLD, Mode.GUIDED, Mode.LOITER, Mode.POSHOLD}
# Modes whose requires_GPS() is true on ArduCopter: they need a position estimate to arm in (and, once
# armed, to be entered).
NEEDS_POSITION = {Mode.AUTO, Mode.GUIDED, Mode.LOITER, Mode.RTL, Mode.CIRCLE, Mode.POSHOLD, Mode.BRAKE}
MANUAL_THROTTLE = {Mode.STABILIZE}


class Autopilot:
    def __init__(self, config: VehicleConfig, params: ParamStore) -> None:
        self.config = config
        self.params = params
        self.body = Body(
            lat_deg=config.home_lat_deg,
            lon_deg=config.home_lon_deg,
            ground_amsl_m=config.home_alt_amsl_m,
            yaw_deg=config.home_heading_deg,
        )
        self.store = MissionStore(home_item=self._home_item, status=self.status)
        self.now_s = 0.0
        self.mode = Mode.STABILIZE
        self.armed = False
        self.home: Home | None = None
        self.ekf_ready = False
        self.origin_set = False
        # ArduCopter's ap.auto_armed: AUTO and GUIDED only spool up once it is set. With no RC throttle it
        # is set by a GUIDED NAV_TAKEOFF or MAV_CMD_MISSION_START, never by arming or entering AUTO.
        self.auto_armed = False
        self.events: list[Event] = []
        self.task: Task | None = None
        self.runner = MissionRunner(self)
        self.roi: tuple[float, float, float] | None = None
        self.gimbal_pitch_deg = config.gimbal_pitch_deg
        self.gimbal_yaw_rel_deg = 0.0
        self._gimbal_follows_roi = True
        self.speed_override_m_s: float | None = None
        self.battery = Battery()
        self.fs = failsafes.FailsafeState()
        self._landed_s = 0.0

    # --- what the mission runner and the tasks need --------------------------------------------
    def param_si(self, name: str) -> float:
        return self.params.si(name)

    def cruise_speed_m_s(self) -> float:
        return self.speed_override_m_s or self.params.si("WPNAV_SPEED")

    def mission_items(self) -> list[StoredItem]:
        return self.store.mission.items

    def status(self, severity: int, text: str) -> None:
        self.events.append(StatusText(severity=severity, text=text[:50]))

    def item_reached(self, seq: int) -> None:
        self.events.append(ItemReached(seq=seq))

    def current_changed(self, seq: int) -> None:
        self.events.append(CurrentChanged(seq=seq))

    def alt_amsl_of(self, item: StoredItem) -> float:
        """An item's altitude as AMSL metres (frame 3: above home; 10: above the flat ground)."""
        if item.frame == 3:
            return self._home_alt() + item.z_m
        if item.frame == 10:
            return self.body.ground_amsl_m + item.z_m
        return item.z_m

    def set_speed(self, speed_m_s: float) -> None:
        self.speed_override_m_s = max(0.1, min(speed_m_s, 50.0))

    def set_roi(self, location: tuple[float, float, float] | None) -> None:
        self.roi = location
        self._gimbal_follows_roi = location is not None

    def point_gimbal(self, pitch_deg: float | None, yaw_deg: float | None, *, earth_yaw: bool) -> None:
        """Point the gimbal (MAVLink angles: pitch -90 down; yaw relative to the nose unless ``earth_yaw``)."""
        self._gimbal_follows_roi = False
        if pitch_deg is not None and math.isfinite(pitch_deg):
            self.gimbal_pitch_deg = max(-90.0, min(20.0, pitch_deg))
        if yaw_deg is not None and math.isfinite(yaw_deg):
            rel = wrap_180(yaw_deg - self.body.yaw_deg) if earth_yaw else wrap_180(yaw_deg)
            self.gimbal_yaw_rel_deg = rel

    def _home_alt(self) -> float:
        return self.home.alt_amsl_m if self.home else self.config.home_alt_amsl_m

    def _home_item(self) -> StoredItem:
        if self.home is None:
            return StoredItem(command=16, frame=0)
        return StoredItem(
            command=16,
            frame=0,
            lat_e7=round(self.home.lat_deg * 1e7),
            lon_e7=round(self.home.lon_deg * 1e7),
            z_m=round(self.home.alt_amsl_m * 100) / 100.0,
        )

    def limits(self) -> Limits:
        p = self.params
        return Limits(
            speed_m_s=max(0.5, self.cruise_speed_m_s()),
            accel_m_s2=max(0.5, p.si("WPNAV_ACCEL")),
            climb_m_s=max(0.1, p.si("WPNAV_SPEED_UP")),
            descent_m_s=max(0.1, p.si("WPNAV_SPEED_DN")),
            accel_z_m_s2=max(0.5, p.si("PILOT_ACCEL_Z")),
            yaw_rate_deg_s=max(5.0, p.si("ATC_SLEW_YAW")),
        )

    @property
    def airborne(self) -> bool:
        return not self.body.on_ground

    @property
    def booted(self) -> bool:
        """Initialised (ArduPilot answers MAVLink before that, with HEARTBEAT MAV_STATE_BOOT)."""
        return self.now_s >= min(BOOT_S, 0.05 * self.config.ekf_delay_s)

    @property
    def origin_delay_s(self) -> float:
        """When the EKF origin and home are set (real SITL: ~20 s, half the time to "using GPS")."""
        return self.config.ekf_delay_s / 2

    # --- commands ----------------------------------------------------------------------------
    def arm(self, *, force: bool = False) -> int:
        if self.armed:
            return MAV_RESULT.ACCEPTED
        if not force:
            problems = self._prearm_problems() or self._arm_problems()
            if problems:
                for problem in problems:
                    self.status(MAV_SEVERITY.CRITICAL, f"Arm: {problem}")
                return MAV_RESULT.FAILED
        self.armed = True
        self.auto_armed = False  # no RC throttle: armed, but AUTO will not spool up by itself
        self.status(MAV_SEVERITY.INFO, "Arming motors")
        self._landed_s = 0.0
        if self.home is not None and self.body.on_ground:
            self._set_home(self.body.lat_deg, self.body.lon_deg, self.body.ground_amsl_m)
        if self.mode == Mode.GUIDED:
            self.task = Hold.here(self.body)
        return MAV_RESULT.ACCEPTED

    def _prearm_problems(self) -> list[str]:
        """ArduCopter's pre-arm checks, all of them run and reported (as "Arm: ..." texts)."""
        problems = []
        fence_needs_gps = self.params.get("FENCE_ENABLE") >= 1 and int(self.params.get("FENCE_TYPE")) & 6
        if self.mode in NEEDS_POSITION:
            if not self.origin_set:
                problems.append("AHRS: waiting for home")
            elif not self.ekf_ready:
                problems.append("Need Position Estimate")
        elif fence_needs_gps and not self.ekf_ready:
            problems.append("Fence enabled, need position estimate")
        if self.fs.battery_level > 0:
            problems.append("Battery failsafe")
        arm_volt = self.params.get("BATT_ARM_VOLT")
        if arm_volt > 0 and self.battery.voltage_v < arm_volt:
            problems.append("Battery 1 below minimum arming voltage")
        if self.params.get("FENCE_ENABLE") >= 1 and failsafes.fence_breach(self, ignore_alt=True):
            problems.append("Vehicle outside Fence")
        return problems

    def _arm_problems(self) -> list[str]:
        """The checks ArduCopter makes once the pre-arm checks pass."""
        if self.mode not in ARMABLE:
            return [f"{self.mode.name} mode not armable"]
        return []

    def disarm(self, *, force: bool = False) -> int:
        if not self.armed:
            return MAV_RESULT.ACCEPTED
        if self.airborne and not force:
            return MAV_RESULT.FAILED
        self.armed = False
        self.auto_armed = False
        self.task = Hold.here(self.body) if self.mode == Mode.GUIDED else self.task
        self.status(MAV_SEVERITY.INFO, "Disarming motors")  # ArduPilot SITL's text, whatever the cause
        return MAV_RESULT.ACCEPTED

    def set_mode(self, number: int, *, reason: str = "GCS") -> bool:
        """Change flight mode; False (with a STATUSTEXT) when the mode cannot be entered now."""
        try:
            mode = Mode(number)
        except ValueError:
            self.status(MAV_SEVERITY.WARNING, f"No such mode {number}")
            return False
        if mode == self.mode:
            return True
        problem = self._cannot_enter(mode)
        if problem is not None:
            self.status(MAV_SEVERITY.WARNING, f"Mode change to {mode.name} failed: {problem}")
            return False
        self._enter(mode)
        return True

    def _cannot_enter(self, mode: Mode) -> str | None:
        """Why ``mode`` cannot be entered now (ArduCopter's words), or None.

        As on ArduCopter, a disarmed vehicle may enter any mode: the checks come at arming.
        """
        if not self.armed:
            return None
        if mode in NEEDS_POSITION and not self.ekf_ready:
            return "requires position"
        if mode == Mode.RTL and self.home is None:
            return "init failed"
        if mode == Mode.AUTO:
            if len(self.mission_items()) <= 1:
                return "init failed"
            if self.body.on_ground and not self.runner.starts_with_takeoff():
                self.status(MAV_SEVERITY.CRITICAL, "Auto: Missing Takeoff Cmd")
                return "init failed"
        return None

    def _enter(self, mode: Mode) -> None:
        body = self.body
        previous = self.mode
        if previous == Mode.AUTO and mode != Mode.AUTO:
            self.runner.stop()
        self.mode = mode
        self.speed_override_m_s = None
        if mode != previous:
            self.roi = None
        self.task = None
        if mode == Mode.AUTO:
            self.runner.start_or_resume()
        elif mode in (Mode.GUIDED, Mode.LOITER, Mode.POSHOLD):
            self.task = Hold.here(body)
        elif mode == Mode.BRAKE:
            self.task = self._stopping_point()
        elif mode == Mode.RTL:
            self.task = ReturnToLaunch(self)
        elif mode == Mode.LAND:
            self.task = Land()
        elif mode == Mode.CIRCLE:
            r = self.params.si("CIRCLE_RADIUS")
            c_lat, c_lon = offset_deg(body.lat_deg, body.lon_deg, r * math.cos(math.radians(body.yaw_deg)),
                                      r * math.sin(math.radians(body.yaw_deg)))  # fmt: skip
            self.task = Circle(c_lat, c_lon, body.alt_amsl_m, radius_m=r, rate_deg_s=self.params.si("CIRCLE_RATE"),
                               start_bearing_deg=(body.yaw_deg + 180.0) % 360.0)  # fmt: skip
        if mode in MANUAL_THROTTLE:
            self.auto_armed = False  # manual throttle at zero

    def _stopping_point(self) -> Hold:
        b = self.body
        a = max(0.5, self.params.si("WPNAV_ACCEL"))
        k = 1.0 / (2 * a)
        v = b.ground_speed_m_s
        lat, lon = offset_deg(b.lat_deg, b.lon_deg, b.vn_m_s * v * k, b.ve_m_s * v * k)
        return Hold(lat, lon, b.alt_amsl_m)

    def takeoff(self, alt_rel_m: float) -> int:
        """NAV_TAKEOFF in GUIDED: climb to ``alt_rel_m`` above home."""
        if self.mode != Mode.GUIDED or not self.armed or not self.body.on_ground:
            return MAV_RESULT.FAILED
        if not math.isfinite(alt_rel_m) or alt_rel_m <= 0:
            return MAV_RESULT.DENIED
        b = self.body
        self.task = Takeoff(b.lat_deg, b.lon_deg, self._home_alt() + alt_rel_m, on_ground=True)
        self.auto_armed = True
        return MAV_RESULT.ACCEPTED

    def goto(self, lat_deg: float, lon_deg: float, alt_amsl_m: float | None) -> int:
        """A GUIDED position target (SET_POSITION_TARGET_GLOBAL_INT, DO_REPOSITION)."""
        if self.mode != Mode.GUIDED or not self.armed:
            return MAV_RESULT.FAILED
        alt = self.body.alt_amsl_m if alt_amsl_m is None else alt_amsl_m
        if self.params.get("FENCE_ENABLE") >= 1 and failsafes.fence_breach_at(self, lat_deg, lon_deg, alt):
            return MAV_RESULT.FAILED  # ArduCopter refuses GUIDED destinations outside the fence
        self.task = GoTo(lat_deg, lon_deg, alt, radius_m=1.0, forever=True)
        return MAV_RESULT.ACCEPTED

    def velocity(self, vn_m_s: float, ve_m_s: float, vd_m_s: float) -> int:
        if self.mode != Mode.GUIDED or not self.armed:
            return MAV_RESULT.FAILED
        self.task = _VelocityTask(
            vn_m_s, ve_m_s, vd_m_s, until_s=self.now_s + self.params.get("GUID_TIMEOUT")
        )
        return MAV_RESULT.ACCEPTED

    def mission_start(self) -> int:
        """MAV_CMD_MISSION_START: AUTO, and (unlike entering AUTO) permission to take off."""
        if not self.set_mode(Mode.AUTO):
            return MAV_RESULT.FAILED
        self.auto_armed = True
        if not self.runner.running:
            self.runner.start_or_resume()
        return MAV_RESULT.ACCEPTED

    def set_home(self, lat_deg: float, lon_deg: float, alt_amsl_m: float) -> int:
        self._set_home(lat_deg, lon_deg, alt_amsl_m)
        return MAV_RESULT.ACCEPTED

    def _set_home(self, lat_deg: float, lon_deg: float, alt_amsl_m: float) -> None:
        self.home = Home(lat_deg=lat_deg, lon_deg=lon_deg, alt_amsl_m=alt_amsl_m)
        self.events.append(HomeChanged())

    def gcs_heartbeat(self) -> None:
        failsafes.gcs_heard(self)

    # --- simulation --------------------------------------------------------------------------
    def step(self, dt_s: float) -> None:
        """Advance ``dt_s`` seconds of simulated time."""
        self.now_s += dt_s
        if not self.origin_set and self.now_s >= self.origin_delay_s:
            self.origin_set = True
            self.status(MAV_SEVERITY.INFO, "EKF3 IMU0 origin set")
            self.status(MAV_SEVERITY.INFO, f"Field Elevation Set: {self.body.ground_amsl_m:.0f}m")
            self.status(MAV_SEVERITY.INFO, "EKF3 IMU1 origin set")
            if self.home is None:
                self._set_home(self.body.lat_deg, self.body.lon_deg, self.body.ground_amsl_m)
        if not self.ekf_ready and self.now_s >= self.config.ekf_delay_s:
            self.ekf_ready = True
            self.status(MAV_SEVERITY.INFO, "EKF3 IMU0 is using GPS")
            self.status(MAV_SEVERITY.INFO, "EKF3 IMU1 is using GPS")
        sp = self._setpoint(dt_s)
        if (
            sp is not None
            and self.roi is not None
            and self.body.distance_to_m(self.roi[0], self.roi[1]) > 1.0
        ):
            sp = Setpoint(**{**sp.__dict__, "yaw_deg": self._bearing_to(self.roi)})
        self.body.step(dt_s, sp, self.limits(), wind_ne_m_s=self.wind_ne_m_s())
        self._update_gimbal()
        self._landing_checks(dt_s)
        failsafes.update(self, dt_s)
        self.store.update(self.now_s)

    def wind_ne_m_s(self) -> tuple[float, float]:
        speed = self.config.wind_speed_m_s or self.params.get("SIM_WIND_SPD")
        from_deg = (
            self.config.wind_from_deg if self.config.wind_speed_m_s else self.params.get("SIM_WIND_DIR")
        )
        to = math.radians(from_deg + 180.0)
        return speed * math.cos(to), speed * math.sin(to)

    def _bearing_to(self, loc: tuple[float, float, float]) -> float:
        dn, de = ne_offset_m(self.body.lat_deg, self.body.lon_deg, loc[0], loc[1])
        return math.degrees(math.atan2(de, dn)) % 360.0

    def _setpoint(self, dt_s: float) -> Setpoint | None:
        if not self.armed:
            return None
        b = self.body
        if self.mode == Mode.AUTO:
            if not self.runner.running:
                self.runner.start_or_resume()
            if int(self.params.get("AUTO_OPTIONS")) & AUTO_OPTION_TAKEOFF_WITHOUT_THROTTLE:
                self.auto_armed = True
            if b.on_ground and not self.auto_armed:
                # ArduCopter's auto_takeoff.run() keeps the motors at ground idle until auto_armed.
                return Setpoint(lat_deg=b.lat_deg, lon_deg=b.lon_deg, alt_amsl_m=b.ground_amsl_m)
            return self.runner.update(dt_s)
        if self.mode == Mode.STABILIZE:
            # No pilot throttle: the motors idle; in the air the vehicle sinks.
            if b.on_ground:
                return Setpoint(lat_deg=b.lat_deg, lon_deg=b.lon_deg, alt_amsl_m=b.ground_amsl_m)
            return Setpoint(lat_deg=b.lat_deg, lon_deg=b.lon_deg, alt_amsl_m=b.ground_amsl_m,
                            velocity_ne_m_s=(0.0, 0.0), descend_m_s=2.5)  # fmt: skip
        if self.mode == Mode.ALT_HOLD:
            if self.task is None:
                self.task = Hold.here(b)
            hold = self.task
            assert isinstance(hold, Hold)
            return Setpoint(lat_deg=b.lat_deg, lon_deg=b.lon_deg, alt_amsl_m=hold.alt_amsl_m,
                            velocity_ne_m_s=self.wind_ne_m_s())  # fmt: skip
        if self.task is None:
            self.task = Hold.here(b)
        if self.mode == Mode.GUIDED and b.on_ground and not isinstance(self.task, Takeoff):
            return Setpoint(lat_deg=b.lat_deg, lon_deg=b.lon_deg, alt_amsl_m=b.ground_amsl_m)
        sp = self.task.update(self, dt_s)
        if isinstance(self.task, Takeoff) and self.task.done:
            self.task = Hold(self.task.lat_deg, self.task.lon_deg, self.task.alt_amsl_m)
        return sp

    def _update_gimbal(self) -> None:
        if self.roi is not None and self._gimbal_follows_roi:
            b = self.body
            dn, de = ne_offset_m(b.lat_deg, b.lon_deg, self.roi[0], self.roi[1])
            dist = math.hypot(dn, de)
            self.gimbal_pitch_deg = max(-90.0, -math.degrees(math.atan2(b.alt_amsl_m - self.roi[2], dist)))
            self.gimbal_yaw_rel_deg = wrap_180(self._bearing_to(self.roi) - b.yaw_deg) if dist > 0.5 else 0.0

    def _landing_checks(self, dt_s: float) -> None:
        """Disarm after touchdown in LAND/RTL/AUTO-land, or when armed on the ground for DISARM_DELAY."""
        if not self.armed or not self.body.on_ground:
            self._landed_s = 0.0
            return
        self._landed_s += dt_s
        task = self._active_task()
        landing_done = (self.mode in (Mode.LAND, Mode.RTL) and task is not None and task.done) or (
            self.mode == Mode.AUTO
            and (self.runner.complete or (isinstance(task, Land | ReturnToLaunch) and task.done))
        )
        if landing_done and self._landed_s >= LANDED_DISARM_S:
            self.disarm()
            return
        delay = self.params.get("DISARM_DELAY")
        taking_off = isinstance(task, Takeoff) and self.auto_armed
        if not taking_off and delay > 0 and self._landed_s >= delay:
            self.disarm()

    def _active_task(self) -> Task | None:
        return self.runner._task if self.mode == Mode.AUTO else self.task

    def gimbal_yaw_earth_deg(self) -> float:
        return (self.body.yaw_deg + self.gimbal_yaw_rel_deg) % 360.0


class _VelocityTask(Task):
    """GUIDED velocity target (SET_POSITION_TARGET with the position ignored)."""

    def __init__(self, vn_m_s: float, ve_m_s: float, vd_m_s: float, *, until_s: float) -> None:
        self.v = (vn_m_s, ve_m_s, vd_m_s)
        self.until_s = until_s  # GUID_TIMEOUT: without a new target by then, ArduCopter stops

    def update(self, ctx, dt_s: float) -> Setpoint | None:
        b = ctx.body
        if ctx.now_s > self.until_s:
            self.v = (0.0, 0.0, 0.0)
        target_alt = b.alt_amsl_m - self.v[2] * 1.0
        return Setpoint(
            lat_deg=b.lat_deg, lon_deg=b.lon_deg, alt_amsl_m=target_alt, velocity_ne_m_s=self.v[:2]
        )
