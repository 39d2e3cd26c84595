"""Geodesy helpers: a local metric frame for planning, and distances on the WGS84 ellipsoid.

All projection maths is pyproj's. Planning happens in a transverse-Mercator frame centred on the
area being planned (scale error below 0.01 % within 100 km), so shapely can work in metres.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import Geod, Transformer
from shapely import ops
from shapely.geometry.base import BaseGeometry

from missions.values import GeoPoint

WGS84 = Geod(ellps="WGS84")


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Geodesic distance in metres.

    >>> round(distance_m(GeoPoint(lat_deg=31.0, lon_deg=-111.0), GeoPoint(lat_deg=31.0, lon_deg=-110.9)))
    9550
    """
    _, _, d = WGS84.inv(a.lon_deg, a.lat_deg, b.lon_deg, b.lat_deg)
    return float(d)


def bearing_deg(a: GeoPoint, b: GeoPoint) -> float:
    """Initial geodesic bearing from ``a`` to ``b`` in degrees clockwise from north, 0..360."""
    az, _, _ = WGS84.inv(a.lon_deg, a.lat_deg, b.lon_deg, b.lat_deg)
    return float(az) % 360.0


def destination(origin: GeoPoint, bearing_deg_: float, distance_m_: float) -> GeoPoint:
    """The point ``distance_m_`` metres from ``origin`` along ``bearing_deg_``."""
    lon, lat, _ = WGS84.fwd(origin.lon_deg, origin.lat_deg, bearing_deg_, distance_m_)
    return GeoPoint(lat_deg=float(lat), lon_deg=float(lon))


@lru_cache(maxsize=64)
def _transformers(lat0: float, lon0: float) -> tuple[Transformer, Transformer]:
    crs = f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return fwd, inv


@dataclass(frozen=True, kw_only=True)
class LocalFrame:
    """A metric east/north frame centred on ``origin`` (x east, y north, metres)."""

    origin: GeoPoint

    @classmethod
    def around(cls, points: Iterable[GeoPoint]) -> LocalFrame:
        pts = list(points)
        if not pts:
            raise ValueError("LocalFrame.around needs at least one point")
        lats = [p.lat_deg for p in pts]
        lons = [p.lon_deg for p in pts]
        return cls(origin=GeoPoint(lat_deg=(min(lats) + max(lats)) / 2, lon_deg=(min(lons) + max(lons)) / 2))

    def _fwd(self) -> Transformer:
        return _transformers(round(self.origin.lat_deg, 9), round(self.origin.lon_deg, 9))[0]

    def _inv(self) -> Transformer:
        return _transformers(round(self.origin.lat_deg, 9), round(self.origin.lon_deg, 9))[1]

    def to_xy(self, point: GeoPoint) -> tuple[float, float]:
        x, y = self._fwd().transform(point.lon_deg, point.lat_deg)
        return float(x), float(y)

    def to_geo(self, x_m: float, y_m: float) -> GeoPoint:
        lon, lat = self._inv().transform(x_m, y_m)
        return GeoPoint(lat_deg=float(lat), lon_deg=float(lon))

    def xy_array(self, points: Sequence[GeoPoint]) -> np.ndarray:
        """(N, 2) array of east/north metres for ``points``."""
        if not points:
            return np.zeros((0, 2))
        lon = np.array([p.lon_deg for p in points])
        lat = np.array([p.lat_deg for p in points])
        x, y = self._fwd().transform(lon, lat)
        return np.column_stack([x, y])

    def geo_array(self, xy: np.ndarray) -> list[GeoPoint]:
        if len(xy) == 0:
            return []
        lon, lat = self._inv().transform(xy[:, 0], xy[:, 1])
        return [GeoPoint(lat_deg=float(a), lon_deg=float(o)) for a, o in zip(lat, lon, strict=True)]

    def lonlat_arrays(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) arrays in degrees for (N, 2) metres: the fast path for many points."""
        lon, lat = self._inv().transform(xy[:, 0], xy[:, 1])
        return np.asarray(lon), np.asarray(lat)

    def geometry_to_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        """A shapely geometry in this frame's metres, as lon/lat degrees."""
        inv = self._inv()
        return ops.transform(lambda x, y, z=None: inv.transform(x, y), geom)

    def geometry_from_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        fwd = self._fwd()
        return ops.transform(lambda x, y, z=None: fwd.transform(x, y), geom)


def path_length_m(points: Sequence[GeoPoint]) -> float:
    """Geodesic length of a polyline in metres.

    >>> round(path_length_m([GeoPoint(lat_deg=0.0, lon_deg=0.0), GeoPoint(lat_deg=0.0, lon_deg=0.01)]))
    1113
    """
    if len(points) < 2:
        return 0.0
    return float(WGS84.line_length([p.lon_deg for p in points], [p.lat_deg for p in points]))
