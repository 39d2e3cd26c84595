"""AUTO mode: runs the stored mission the way ArduCopter's AP_Mission does.

The current item is always a navigation command (what MISSION_CURRENT reports). When it completes,
the runner searches forward for the next one, running every DO command it passes and following
DO_JUMP (with its repeat count); past the last item the mission is complete and the vehicle stays in
AUTO, holding position. Leaving AUTO keeps the current item: AUTO again resumes it (MIS_RESTART 0).
"""

from __future__ import annotations

import math
from typing import Protocol

from sitl.vehicle.codec import MAV_SEVERITY
from sitl.vehicle.kinematics import Body, Setpoint
from sitl.vehicle.mission_items import COMMAND_NAMES, StoredItem
from sitl.vehicle.navigation import Circle, GoTo, Hold, Land, ReturnToLaunch, Takeoff, Task

MISSION_STATE_NO_MISSION = 1
MISSION_STATE_NOT_STARTED = 2
MISSION_STATE_ACTIVE = 3
MISSION_STATE_PAUSED = 4
MISSION_STATE_COMPLETE = 5


class MissionHost(Protocol):
    """What the runner needs from the autopilot."""

    body: Body

    @property
    def home(self): ...

    def mission_items(self) -> list[StoredItem]: ...

    def param_si(self, name: str) -> float: ...

    def cruise_speed_m_s(self) -> float: ...

    def set_speed(self, speed_m_s: float) -> None: ...

    def set_roi(self, location: tuple[float, float, float] | None) -> None: ...

    def point_gimbal(self, pitch_deg: float | None, yaw_deg: float | None, *, earth_yaw: bool) -> None: ...

    def status(self, severity: int, text: str) -> None: ...

    def item_reached(self, seq: int) -> None: ...

    def current_changed(self, seq: int) -> None: ...

    def alt_amsl_of(self, item: StoredItem) -> float: ...


class MissionRunner:
    """Executes mission items; ``current_seq`` is the navigation item being flown."""

    def __init__(self, host: MissionHost) -> None:
        self.host = host
        self.current_seq = 0
        self.complete = False
        self.running = False
        self._task: Task | None = None
        self._jumps_run: dict[int, int] = {}
        self._reached_sent = False
        self._hold: Hold | None = None

    # --- control ------------------------------------------------------------------------------
    def start_or_resume(self) -> bool:
        """Enter AUTO: resume the current item, or start from item 1 (restarting a completed mission)."""
        items = self.host.mission_items()
        if len(items) <= 1:
            return False
        self.running = True
        if self.complete or self.current_seq == 0 or self.current_seq >= len(items):
            self.complete = False
            self._jumps_run.clear()
            self._advance(1)
        else:
            self._start_nav(self.current_seq)
        return True

    def stop(self) -> None:
        """Leave AUTO: keep the current item for a later resume."""
        self.running = False
        self._task = None

    def set_current(self, seq: int) -> bool:
        """MISSION_SET_CURRENT: fly item ``seq`` next (now, when running)."""
        items = self.host.mission_items()
        if not 0 <= seq < len(items) or len(items) <= 1:
            return False
        if seq == 0 or self.complete:
            self._jumps_run.clear()
            self.complete = False
            seq = max(seq, 1)
        if self.running:
            self._advance(seq)
        else:
            self.current_seq = self._next_nav_index(seq)
            self.host.current_changed(self.current_seq)
        return True

    def starts_with_takeoff(self) -> bool:
        items = self.host.mission_items()
        seq = self.current_seq if 0 < self.current_seq < len(items) and not self.complete else 1
        nav = self._next_nav_index(seq)
        return 0 < nav < len(items) and items[nav].command == 22

    def state(self) -> int:
        if len(self.host.mission_items()) <= 1:
            return MISSION_STATE_NO_MISSION
        if self.complete:
            return MISSION_STATE_COMPLETE
        if self.running:
            return MISSION_STATE_ACTIVE
        return MISSION_STATE_NOT_STARTED if self.current_seq == 0 else MISSION_STATE_PAUSED

    # --- execution ---------------------------------------------------------------------------
    def update(self, dt_s: float) -> Setpoint | None:
        body = self.host.body
        if self.complete or self._task is None:
            if self._hold is None:
                self._hold = Hold.here(body)
            return self._hold.update(self.host, dt_s)  # type: ignore[arg-type]
        sp = self._task.update(self.host, dt_s)  # type: ignore[arg-type]
        task = self._task
        if isinstance(task, GoTo) and task.reached and not self._reached_sent and task.hold_s > 0:
            self._reached_sent = True
            self.host.item_reached(self.current_seq)
        if task.done:
            if not self._reached_sent:
                self.host.item_reached(self.current_seq)
            if isinstance(task, GoTo):
                self.host.status(MAV_SEVERITY.INFO, f"Reached command #{self.current_seq}")
            self._advance(self.current_seq + 1)
        return sp

    def _next_nav_index(self, seq: int) -> int:
        items = self.host.mission_items()
        while 0 < seq < len(items) and not items[seq].is_nav:
            seq += 1
        return seq

    def _advance(self, seq: int) -> None:
        """Run DO commands from ``seq`` on and start the next navigation command (or complete)."""
        items = self.host.mission_items()
        loops = 0
        while seq < len(items):
            item = items[seq]
            if item.command == 177:  # DO_JUMP
                loops += 1
                target, repeat = int(item.param1), int(item.param2)
                if loops > 64 or not 0 < target < len(items):
                    break
                done = self._jumps_run.get(seq, 0)
                if repeat < 0 or done < repeat:
                    self._jumps_run[seq] = done + 1
                    self.host.status(MAV_SEVERITY.INFO, f"Mission: {seq} Jump to {target}")
                    seq = target
                    continue
                seq += 1
                continue
            self.host.status(MAV_SEVERITY.INFO, f"Mission: {seq} {COMMAND_NAMES.get(item.command, 'Cmd')}")
            if item.is_nav:
                self._start_nav(seq)
                return
            self._run_do(item)
            seq += 1
        self._finish()

    def _finish(self) -> None:
        self.complete = True
        self._task = None
        self._hold = Hold.here(self.host.body)

    def _start_nav(self, seq: int) -> None:
        items = self.host.mission_items()
        item = items[seq]
        host, body = self.host, self.host.body
        self.current_seq = seq
        self._reached_sent = False
        self.host.current_changed(seq)
        here_lat, here_lon = body.lat_deg, body.lon_deg
        lat, lon = (item.lat_deg, item.lon_deg) if item.has_position else (here_lat, here_lon)
        alt = host.alt_amsl_of(item) if item.z_m != 0 or item.command == 22 else body.alt_amsl_m
        radius = host.param_si("WPNAV_RADIUS")
        cmd = item.command
        if cmd in (16, 82):
            self._task = GoTo(lat, lon, alt, radius_m=radius, hold_s=item.param1)
        elif cmd == 17:
            self._task = GoTo(lat, lon, alt, radius_m=radius, forever=True)
        elif cmd == 19:
            self._task = GoTo(lat, lon, alt, radius_m=radius, hold_s=item.param1)
        elif cmd == 18:
            r = item.param3 if item.param3 > 0 else host.param_si("CIRCLE_RADIUS")
            bearing = math.degrees(math.atan2(body.lon_deg - lon, body.lat_deg - lat)) % 360.0
            self._task = Circle(lat, lon, alt, radius_m=r, rate_deg_s=host.param_si("CIRCLE_RATE"),
                                turns=max(1.0, item.param1), start_bearing_deg=bearing)  # fmt: skip
        elif cmd == 22:
            if body.alt_amsl_m >= alt - 0.3:
                self._task = Takeoff(here_lat, here_lon, body.alt_amsl_m, on_ground=False)
            else:
                self._task = Takeoff(here_lat, here_lon, alt, on_ground=body.on_ground)
        elif cmd == 21:
            self._task = Land(item.lat_deg, item.lon_deg) if item.has_position else Land()
        elif cmd == 20:
            self._task = ReturnToLaunch(host)  # type: ignore[arg-type]
        else:
            # A navigation command the simulator does not fly: treat it as done.
            self._task = Hold.here(body)
            self._task.done = True

    def _run_do(self, item: StoredItem) -> None:
        cmd, host = item.command, self.host
        if cmd == 178 and item.param2 > 0:
            host.set_speed(item.param2)
        elif cmd in (201, 195):
            if item.has_position:
                host.set_roi((item.lat_deg, item.lon_deg, host.alt_amsl_of(item)))
            else:
                host.set_roi(None)
        elif cmd == 197:
            host.set_roi(None)
        elif cmd == 205:
            host.point_gimbal(item.param1, item.param3, earth_yaw=False)
        elif cmd == 1000:
            pitch = None if math.isnan(item.param1) else item.param1
            yaw = None if math.isnan(item.param2) else item.param2
            host.point_gimbal(pitch, yaw, earth_yaw=False)
