"""Builders that return real values for tests (no mocks)."""

from __future__ import annotations

from missions.formats import load_features_file
from missions.geo import LocalFrame
from missions.samples import sample_border_path
from missions.values import BorderLine, GeoPoint, HomePosition, MavCmd, Mission, PatrolArea, Waypoint

ORIGIN = GeoPoint(lat_deg=31.3333, lon_deg=-111.0)
FRAME = LocalFrame(origin=ORIGIN)


def geo(x_m: float, y_m: float) -> GeoPoint:
    """A point ``x_m`` east and ``y_m`` north of the test origin."""
    return FRAME.to_geo(x_m, y_m)


def home_at(x_m: float = 0.0, y_m: float = 500.0, alt_amsl_m: float = 1000.0) -> HomePosition:
    p = geo(x_m, y_m)
    return HomePosition(lat_deg=p.lat_deg, lon_deg=p.lon_deg, alt_amsl_m=alt_amsl_m)


def line(*xy: tuple[float, float], name: str = "test border") -> BorderLine:
    return BorderLine(points=tuple(geo(x, y) for x, y in xy), name=name)


def area(*xy: tuple[float, float], holes: tuple[tuple[tuple[float, float], ...], ...] = ()) -> PatrolArea:
    return PatrolArea(
        outer=tuple(geo(x, y) for x, y in xy),
        holes=tuple(tuple(geo(x, y) for x, y in h) for h in holes),
    )


def waypoint(x_m: float, y_m: float, alt_m: float = 60.0, **kw) -> Waypoint:
    p = geo(x_m, y_m)
    return Waypoint(command=MavCmd.NAV_WAYPOINT, lat_deg=p.lat_deg, lon_deg=p.lon_deg, alt_m=alt_m, **kw)


def mission_through(
    *xy: tuple[float, float], home: HomePosition | None = None, alt_m: float = 60.0
) -> Mission:
    home = home or home_at()
    items = [Waypoint(command=MavCmd.NAV_TAKEOFF, lat_deg=home.lat_deg, lon_deg=home.lon_deg, alt_m=alt_m)]
    items += [waypoint(x, y, alt_m) for x, y in xy]
    items.append(Waypoint(command=MavCmd.NAV_RETURN_TO_LAUNCH))
    return Mission(home=home, items=tuple(items))


def sample():
    return load_features_file(sample_border_path())
