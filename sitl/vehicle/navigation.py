"""Flight tasks the autopilot runs: hold, go to, take off, land, return to launch, circle.

Each task turns the vehicle's state into a ``Setpoint`` every step and says when it is done; none
of them knows about modes or MAVLink. Speeds and heights come from the ``NavContext`` (ArduCopter's
parameters, in SI units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from sitl.vehicle.kinematics import Body, Setpoint, ne_offset_m, offset_deg

SPOOL_UP_S = 2.0
ALT_REACHED_M = 0.3


@dataclass(frozen=True, kw_only=True)
class Home:
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float


class NavContext(Protocol):
    body: Body
    home: Home | None

    def param_si(self, name: str) -> float: ...

    def cruise_speed_m_s(self) -> float: ...


def land_descent_m_s(ctx: NavContext) -> float:
    """ArduCopter's landing speed: LAND_SPEED below LAND_ALT_LOW, faster above it."""
    body = ctx.body
    if body.alt_agl_m > ctx.param_si("LAND_ALT_LOW"):
        high = ctx.param_si("LAND_SPEED_HIGH")
        return high if high > 0 else ctx.param_si("WPNAV_SPEED_DN")
    return ctx.param_si("LAND_SPEED")


class Task:
    """A unit of flight; ``update`` returns the setpoint for this step."""

    done = False

    def update(self, ctx: NavContext, dt_s: float) -> Setpoint | None:
        raise NotImplementedError


class Hold(Task):
    """Hold a position (LOITER, BRAKE, the end of a mission, GUIDED with no target)."""

    def __init__(self, lat_deg: float, lon_deg: float, alt_amsl_m: float) -> None:
        self.lat_deg, self.lon_deg, self.alt_amsl_m = lat_deg, lon_deg, alt_amsl_m

    @classmethod
    def here(cls, body: Body) -> Hold:
        return cls(body.lat_deg, body.lon_deg, body.alt_amsl_m)

    def update(self, ctx: NavContext, dt_s: float) -> Setpoint | None:
        if ctx.body.on_ground and self.alt_amsl_m <= ctx.body.ground_amsl_m + 0.05:
            return Setpoint(lat_deg=self.lat_deg, lon_deg=self.lon_deg, alt_amsl_m=ctx.body.ground_amsl_m)
        return Setpoint(lat_deg=self.lat_deg, lon_deg=self.lon_deg, alt_amsl_m=self.alt_amsl_m)


class GoTo(Task):
    """Fly to a point; ``reached`` once within ``radius_m`` (and 1 m of height), done after ``hold_s``."""

    def __init__(
        self,
        lat_deg: float,
        lon_deg: float,
        alt_amsl_m: float,
        *,
        radius_m: float = 2.0,
        hold_s: float = 0.0,
        speed_m_s: float | None = None,
        forever: bool = False,
    ) -> None:
        self.lat_deg, self.lon_deg, self.alt_amsl_m = lat_deg, lon_deg, alt_amsl_m
        self.radius_m = max(0.5, radius_m)
        self.hold_s = hold_s
        self.speed_m_s = speed_m_s
        self.forever = forever
        self.reached = False
        self._held_s = 0.0

    def update(self, ctx: NavContext, dt_s: float) -> Setpoint | None:
        body = ctx.body
        if not self.reached:
            close = body.distance_to_m(self.lat_deg, self.lon_deg) <= self.radius_m
            if close and abs(body.alt_amsl_m - self.alt_amsl_m) <= 1.0:
                self.reached = True
        elif not self.forever:
            self._held_s += dt_s
            if self._held_s >= self.hold_s:
                self.done = True
        return Setpoint(
            lat_deg=self.lat_deg,
            lon_deg=self.lon_deg,
            alt_amsl_m=self.alt_amsl_m,
            speed_m_s=self.speed_m_s or ctx.cruise_speed_m_s(),
        )


class Takeoff(Task):
    """Spool up (when on the ground), then climb vertically to ``alt_amsl_m``."""

    def __init__(self, lat_deg: float, lon_deg: float, alt_amsl_m: float, *, on_ground: bool) -> None:
        self.lat_deg, self.lon_deg, self.alt_amsl_m = lat_deg, lon_deg, alt_amsl_m
        self._spool_s = SPOOL_UP_S if on_ground else 0.0

    def update(self, ctx: NavContext, dt_s: float) -> Setpoint | None:
        body = ctx.body
        if self._spool_s > 0:
            self._spool_s -= dt_s
            return Setpoint(lat_deg=self.lat_deg, lon_deg=self.lon_deg, alt_amsl_m=body.ground_amsl_m)
        if body.alt_amsl_m >= self.alt_amsl_m - ALT_REACHED_M:
            self.done = True
        return Setpoint(lat_deg=self.lat_deg, lon_deg=self.lon_deg, alt_amsl_m=self.alt_amsl_m)


class Land(Task):
    """Fly to the landing point at the current height (when one is given), then descend; done on touchdown."""

    def __init__(self, lat_deg: float | None = None, lon_deg: float | None = None) -> None:
        self._target = (lat_deg, lon_deg) if lat_deg is not None and lon_deg is not None else None
        self._approach: GoTo | None = None
        self._xy: tuple[float, float] | None = None

    def update(self, ctx: NavContext, dt_s: float) -> Setpoint | None:
        body = ctx.body
        if self._target is not None and self._xy is None:
            if self._approach is None:
                self._approach = GoTo(self._target[0], self._target[1], body.alt_amsl_m, radius_m=1.0)
            sp = self._approach.update(ctx, dt_s)
            if not self._approach.reached:
                return sp
            self._xy = self._target
        if self._xy is None:
            self._xy = (body.lat_deg, body.lon_deg)
        if body.on_ground:
            self.done = True
            return Setpoint(lat_deg=self._xy[0], lon_deg=self._xy[1], alt_amsl_m=body.ground_amsl_m)
        return Setpoint(
            lat_deg=self._xy[0],
            lon_deg=self._xy[1],
            alt_amsl_m=body.ground_amsl_m,
            descend_m_s=land_descent_m_s(ctx),
        )


class ReturnToLaunch(Task):
    """ArduCopter RTL: climb to RTL_ALT (if lower), fly home, loiter RTL_LOIT_TIME, land."""

    def __init__(self, ctx: NavContext) -> None:
        home = ctx.home
        body = ctx.body
        self._home = home or Home(lat_deg=body.lat_deg, lon_deg=body.lon_deg, alt_amsl_m=body.ground_amsl_m)
        rtl_alt = max(ctx.param_si("RTL_ALT"), body.alt_amsl_m - self._home.alt_amsl_m)
        rtl_alt = max(rtl_alt, body.alt_amsl_m - self._home.alt_amsl_m + ctx.param_si("RTL_CLIMB_MIN"))
        self.return_alt_amsl_m = self._home.alt_amsl_m + rtl_alt
        speed = ctx.param_si("RTL_SPEED") or None
        self._phases: list[Task] = [
            GoTo(body.lat_deg, body.lon_deg, self.return_alt_amsl_m, radius_m=2.0),
            GoTo(
                self._home.lat_deg, self._home.lon_deg, self.return_alt_amsl_m, radius_m=2.0, speed_m_s=speed
            ),
            Hold(self._home.lat_deg, self._home.lon_deg, self.return_alt_amsl_m),
            Land(),
        ]
        self._loiter_s = ctx.param_si("RTL_LOIT_TIME")
        self._landed_on_start = body.on_ground

    @property
    def phase(self) -> int:
        return 4 - len(self._phases)

    def update(self, ctx: NavContext, dt_s: float) -> Setpoint | None:
        if self._landed_on_start:
            self.done = True
            return None
        while self._phases:
            task = self._phases[0]
            if isinstance(task, Hold):
                self._loiter_s -= dt_s
                if self._loiter_s <= 0:
                    self._phases.pop(0)
                    continue
                return task.update(ctx, dt_s)
            sp = task.update(ctx, dt_s)
            if task.done:
                self._phases.pop(0)
                if not self._phases:
                    self.done = True
                    return sp
                continue
            return sp
        self.done = True
        return None


class Circle(Task):
    """Circle ``center`` at ``radius_m``, ``rate_deg_s`` clockwise; done after ``turns`` (None: never)."""

    def __init__(
        self,
        center_lat_deg: float,
        center_lon_deg: float,
        alt_amsl_m: float,
        *,
        radius_m: float,
        rate_deg_s: float,
        turns: float | None = None,
        start_bearing_deg: float = 0.0,
    ) -> None:
        self.center = (center_lat_deg, center_lon_deg)
        self.alt_amsl_m = alt_amsl_m
        self.radius_m = max(1.0, radius_m)
        self.rate_deg_s = rate_deg_s if rate_deg_s != 0 else 20.0
        self.turns = turns
        self._angle_deg = start_bearing_deg
        self._swept_deg = 0.0
        self._on_circle = False

    def _point(self) -> tuple[float, float]:
        a = math.radians(self._angle_deg)
        return offset_deg(
            self.center[0], self.center[1], self.radius_m * math.cos(a), self.radius_m * math.sin(a)
        )

    def update(self, ctx: NavContext, dt_s: float) -> Setpoint | None:
        body = ctx.body
        lat, lon = self._point()
        if not self._on_circle:
            if body.distance_to_m(lat, lon) < 2.0 and abs(body.alt_amsl_m - self.alt_amsl_m) < 1.0:
                self._on_circle = True
            return Setpoint(
                lat_deg=lat, lon_deg=lon, alt_amsl_m=self.alt_amsl_m, speed_m_s=ctx.cruise_speed_m_s()
            )
        # Angular rate limited so the tangential speed stays within the cruise speed.
        max_rate = math.degrees(ctx.cruise_speed_m_s() / self.radius_m)
        rate = math.copysign(min(abs(self.rate_deg_s), max_rate), self.rate_deg_s)
        self._angle_deg += rate * dt_s
        self._swept_deg += abs(rate * dt_s)
        if self.turns is not None and self._swept_deg >= 360.0 * self.turns:
            self.done = True
        lat, lon = self._point()
        dn, de = ne_offset_m(body.lat_deg, body.lon_deg, self.center[0], self.center[1])
        tangential = math.radians(self._angle_deg + (90.0 if rate > 0 else -90.0))
        speed = math.radians(abs(rate)) * self.radius_m
        vn, ve = speed * math.cos(tangential), speed * math.sin(tangential)
        # Follow the moving point: feed-forward velocity plus a pull towards the point.
        pn, pe = ne_offset_m(body.lat_deg, body.lon_deg, lat, lon)
        return Setpoint(
            lat_deg=lat,
            lon_deg=lon,
            alt_amsl_m=self.alt_amsl_m,
            yaw_deg=math.degrees(math.atan2(de, dn)) % 360.0,
            velocity_ne_m_s=(vn + 1.0 * pn, ve + 1.0 * pe),
        )
