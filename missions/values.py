"""The planning core's values: frozen, keyword-only, with units in their field names.

A ``Plan`` is what QGroundControl calls a plan: a ``Mission`` (home + items + speeds), a ``Geofence``
and rally points, plus what borderwatch adds so a plan can be checked later: the border it patrols and
the camera it was planned for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from missions.errors import InvalidValueError


def _check_lat_lon(lat_deg: float, lon_deg: float, what: str) -> None:
    if not (math.isfinite(lat_deg) and -90.0 <= lat_deg <= 90.0):
        raise InvalidValueError(f"{what}: latitude {lat_deg!r}° is outside -90..90")
    if not (math.isfinite(lon_deg) and -180.0 <= lon_deg <= 180.0):
        raise InvalidValueError(f"{what}: longitude {lon_deg!r}° is outside -180..180")


def _check_finite(value: float, what: str) -> None:
    if not math.isfinite(value):
        raise InvalidValueError(f"{what} must be a finite number, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class GeoPoint:
    """A WGS84 position in degrees."""

    lat_deg: float
    lon_deg: float

    def __post_init__(self) -> None:
        _check_lat_lon(self.lat_deg, self.lon_deg, "point")


class AltFrame(StrEnum):
    """What an altitude is measured from (MAV_FRAME 3, 0 and 10)."""

    REL_HOME = "rel_home"
    AMSL = "amsl"
    AGL = "agl"


class MavCmd(IntEnum):
    """The MAV_CMD numbers borderwatch plans with or reads from other planners' files."""

    NAV_WAYPOINT = 16
    NAV_LOITER_UNLIM = 17
    NAV_LOITER_TURNS = 18
    NAV_LOITER_TIME = 19
    NAV_RETURN_TO_LAUNCH = 20
    NAV_LAND = 21
    NAV_TAKEOFF = 22
    NAV_SPLINE_WAYPOINT = 82
    CONDITION_YAW = 115
    DO_JUMP = 177
    DO_CHANGE_SPEED = 178
    DO_SET_SERVO = 183
    DO_SET_ROI_LOCATION = 195
    DO_SET_ROI_NONE = 197
    DO_SET_ROI = 201
    DO_DIGICAM_CONTROL = 203
    DO_MOUNT_CONTROL = 205
    DO_SET_CAM_TRIGG_DIST = 206
    DO_GIMBAL_MANAGER_PITCHYAW = 1000
    IMAGE_START_CAPTURE = 2000
    IMAGE_STOP_CAPTURE = 2001
    VIDEO_START_CAPTURE = 2500
    VIDEO_STOP_CAPTURE = 2501


# Commands whose lat/lon/alt are a place the vehicle flies to (or, for ROI, looks at).
NAV_COMMANDS = frozenset(
    {
        MavCmd.NAV_WAYPOINT,
        MavCmd.NAV_LOITER_UNLIM,
        MavCmd.NAV_LOITER_TURNS,
        MavCmd.NAV_LOITER_TIME,
        MavCmd.NAV_LAND,
        MavCmd.NAV_TAKEOFF,
        MavCmd.NAV_SPLINE_WAYPOINT,
    }
)
LOCATION_COMMANDS = NAV_COMMANDS | {MavCmd.DO_SET_ROI, MavCmd.DO_SET_ROI_LOCATION}

RawParams = tuple[float | None, float | None, float | None, float | None]


@dataclass(frozen=True, kw_only=True)
class Waypoint:
    """One mission item: the MAVLink command it stands for and what that command needs.

    Position is ``lat_deg``/``lon_deg`` and ``alt_m`` measured in ``alt_frame``. The command's
    parameters are named fields (``hold_s``, ``acceptance_radius_m`` ...); ``params`` holds the raw
    param1..4 only for commands or parameter combinations those fields cannot carry, so a file read
    from another planner writes back unchanged. ``None`` is MAVLink's NaN ("no change").
    """

    command: int = MavCmd.NAV_WAYPOINT
    lat_deg: float = 0.0
    lon_deg: float = 0.0
    alt_m: float = 0.0
    alt_frame: AltFrame = AltFrame.REL_HOME
    hold_s: float = 0.0
    acceptance_radius_m: float = 0.0
    loiter_turns: float = 0.0
    loiter_radius_m: float = 0.0
    yaw_deg: float | None = None
    speed_m_s: float | None = None
    trigger_distance_m: float | None = None
    params: RawParams | None = None
    autocontinue: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.command, int) or not 0 <= int(self.command) <= 65535:
            raise InvalidValueError(f"waypoint command {self.command!r} is not a MAV_CMD number (0..65535)")
        _check_lat_lon(self.lat_deg, self.lon_deg, f"waypoint ({_cmd_name(self.command)})")
        _check_finite(self.alt_m, "waypoint altitude")
        for name in ("hold_s", "acceptance_radius_m", "loiter_turns", "loiter_radius_m"):
            value = getattr(self, name)
            _check_finite(value, name)
            if value < 0 and name != "loiter_radius_m":
                raise InvalidValueError(f"{name} must not be negative, got {value}")
        if self.speed_m_s is not None and not (math.isfinite(self.speed_m_s) and self.speed_m_s >= -1):
            raise InvalidValueError(f"speed_m_s must be a finite speed, got {self.speed_m_s!r}")
        if self.params is not None and len(self.params) != 4:
            raise InvalidValueError("params must hold exactly param1..param4")

    @property
    def command_name(self) -> str:
        return _cmd_name(self.command)

    @property
    def has_location(self) -> bool:
        """True when lat/lon/alt mean a place (not a DO command, and not 0,0 'here')."""
        return self.command in LOCATION_COMMANDS and not (self.lat_deg == 0.0 and self.lon_deg == 0.0)

    @property
    def is_nav(self) -> bool:
        return self.command in NAV_COMMANDS or self.command == MavCmd.NAV_RETURN_TO_LAUNCH

    @property
    def point(self) -> GeoPoint:
        return GeoPoint(lat_deg=self.lat_deg, lon_deg=self.lon_deg)


def _cmd_name(command: int) -> str:
    try:
        return MavCmd(command).name
    except ValueError:
        return f"MAV_CMD {command}"


@dataclass(frozen=True, kw_only=True)
class HomePosition:
    """Where the vehicle takes off; relative altitudes are measured from ``alt_amsl_m``."""

    lat_deg: float
    lon_deg: float
    alt_amsl_m: float = 0.0

    def __post_init__(self) -> None:
        _check_lat_lon(self.lat_deg, self.lon_deg, "home")
        _check_finite(self.alt_amsl_m, "home altitude")

    @property
    def point(self) -> GeoPoint:
        return GeoPoint(lat_deg=self.lat_deg, lon_deg=self.lon_deg)


@dataclass(frozen=True, kw_only=True)
class Mission:
    """Home, the items flown in order, and the default horizontal speeds."""

    home: HomePosition
    items: tuple[Waypoint, ...] = ()
    cruise_speed_m_s: float = 10.0
    hover_speed_m_s: float = 5.0

    def __post_init__(self) -> None:
        for name in ("cruise_speed_m_s", "hover_speed_m_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidValueError(f"{name} must be a positive speed, got {value!r}")

    def with_items(self, items: tuple[Waypoint, ...]) -> Mission:
        return Mission(
            home=self.home,
            items=tuple(items),
            cruise_speed_m_s=self.cruise_speed_m_s,
            hover_speed_m_s=self.hover_speed_m_s,
        )


@dataclass(frozen=True, kw_only=True)
class FencePolygon:
    """A keep-in (``inclusion``) or keep-out polygon; vertices without the closing repeat."""

    vertices: tuple[GeoPoint, ...]
    inclusion: bool

    def __post_init__(self) -> None:
        if len(self.vertices) < 3:
            raise InvalidValueError(f"a fence polygon needs at least 3 vertices, got {len(self.vertices)}")


@dataclass(frozen=True, kw_only=True)
class FenceCircle:
    center: GeoPoint
    radius_m: float
    inclusion: bool

    def __post_init__(self) -> None:
        if not (math.isfinite(self.radius_m) and self.radius_m > 0):
            raise InvalidValueError(f"a fence circle needs a positive radius, got {self.radius_m!r} m")


@dataclass(frozen=True, kw_only=True)
class Geofence:
    polygons: tuple[FencePolygon, ...] = ()
    circles: tuple[FenceCircle, ...] = ()
    max_alt_m: float | None = None

    @property
    def is_empty(self) -> bool:
        return not self.polygons and not self.circles and self.max_alt_m is None


@dataclass(frozen=True, kw_only=True)
class RallyPoint:
    lat_deg: float
    lon_deg: float
    alt_m: float
    alt_frame: AltFrame = AltFrame.REL_HOME

    def __post_init__(self) -> None:
        _check_lat_lon(self.lat_deg, self.lon_deg, "rally point")
        _check_finite(self.alt_m, "rally point altitude")


@dataclass(frozen=True, kw_only=True)
class BorderLine:
    """The line not to cross, as a polyline."""

    points: tuple[GeoPoint, ...]
    name: str = ""

    def __post_init__(self) -> None:
        if len(self.points) < 2:
            raise InvalidValueError(f"a border line needs at least 2 points, got {len(self.points)}")


@dataclass(frozen=True, kw_only=True)
class PatrolArea:
    """A polygon to sweep, with optional holes (places not to sweep)."""

    outer: tuple[GeoPoint, ...]
    holes: tuple[tuple[GeoPoint, ...], ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if len(self.outer) < 3:
            raise InvalidValueError(f"an area needs at least 3 corners, got {len(self.outer)}")
        for hole in self.holes:
            if len(hole) < 3:
                raise InvalidValueError(f"an area's hole needs at least 3 corners, got {len(hole)}")


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Mission + fence + rally points, like a QGroundControl .plan, plus the border it patrols."""

    mission: Mission
    fence: Geofence = field(default_factory=Geofence)
    rally_points: tuple[RallyPoint, ...] = ()
    border: BorderLine | None = None
    camera_name: str | None = None
