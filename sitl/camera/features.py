"""Man-made ground features drawn into terrain tiles: roads (dirt and paved) and the border fence.

Geometry is prepared once per world (shapely polygons in the world's metric frame) and clipped to
each tile, so every tile draws exactly the same roads at its own resolution. Drawing is OpenCV
``fillPoly`` with 4 fractional bits and anti-aliasing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from sitl.camera.noise import TileGrid
from sitl.world.model import Fence, Lighting, Road

_SHIFT = 4
_ONE = 1 << _SHIFT
FINE_FENCE_RES_M = 0.04  # at or below this resolution each bollard is drawn


@dataclass(frozen=True)
class RoadShapes:
    surface: str
    body: BaseGeometry
    tracks: BaseGeometry  # tyre tracks (dirt) or lane markings (paved)
    edges: BaseGeometry  # paved edge lines


def prepare_roads(roads: tuple[Road, ...]) -> list[RoadShapes]:
    out = []
    for road in roads:
        line = LineString(road.xy_m)
        body = line.buffer(road.width_m / 2, cap_style="flat", join_style="round")
        if road.surface == "paved":
            dashes = [
                shapely.ops.substring(line, s, min(s + 3.0, line.length))
                for s in np.arange(0.0, line.length, 9.0)
            ]
            tracks = unary_union([d.buffer(0.06, cap_style="flat") for d in dashes])
            edge_l = line.offset_curve(road.width_m / 2 - 0.35)
            edge_r = line.offset_curve(-(road.width_m / 2 - 0.35))
            edges = unary_union(
                [edge_l.buffer(0.07, cap_style="flat"), edge_r.buffer(0.07, cap_style="flat")]
            )
        else:
            half_track = min(0.85, road.width_m / 4)
            lines = [line.offset_curve(half_track), line.offset_curve(-half_track)]
            tracks = unary_union([ln.buffer(0.2, cap_style="flat") for ln in lines])
            edges = Polygon()
        out.append(RoadShapes(surface=road.surface, body=body, tracks=tracks, edges=edges))
    return out


@dataclass(frozen=True)
class FenceShapes:
    line: BaseGeometry  # the fence drawn as a solid strip (coarse resolutions)
    shadow: BaseGeometry  # its shadow on the ground (coarse resolutions)
    bollards_xy_m: np.ndarray  # (N, 2) bollard centres
    along_xy: np.ndarray  # (N, 2) unit direction of the fence at each bollard
    width_m: float
    shadow_offset_m: tuple[float, float]


def prepare_fences(fences: tuple[Fence, ...], lighting: Lighting) -> list[FenceShapes]:
    sx, sy = lighting.shadow_vector_per_m
    out = []
    for fence in fences:
        off = (sx * fence.height_m, sy * fence.height_m)
        strips, shadows, centres, dirs = [], [], [], []
        for piece in fence.pieces_xy_m:
            line = LineString(piece)
            strips.append(line.buffer(fence.bollard_width_m / 2, cap_style="flat"))
            coords = np.asarray(piece)
            for a, b in itertools.pairwise(coords):
                quad = Polygon([a, b, b + off, a + off])
                shadows.append(quad if quad.is_valid else quad.buffer(0))
            s = np.arange(fence.bollard_spacing_m / 2, line.length, fence.bollard_spacing_m)
            pts = shapely.line_interpolate_point(line, s)
            xy = shapely.get_coordinates(pts)
            ahead = shapely.get_coordinates(
                shapely.line_interpolate_point(line, np.minimum(s + 0.05, line.length))
            )
            d = ahead - xy
            d /= np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
            centres.append(xy)
            dirs.append(d)
        out.append(
            FenceShapes(
                line=unary_union(strips),
                shadow=unary_union(shadows),
                bollards_xy_m=np.vstack(centres) if centres else np.zeros((0, 2)),
                along_xy=np.vstack(dirs) if dirs else np.zeros((0, 2)),
                width_m=fence.bollard_width_m,
                shadow_offset_m=off,
            )
        )
    return out


def _to_px(grid: TileGrid, xy: np.ndarray) -> np.ndarray:
    """World metres → tile pixel coordinates (OpenCV pixel-centre convention), as fixed-point ints."""
    col = (xy[..., 0] - grid.x0_m) / grid.res_m - 0.5
    row = (grid.y1_m - xy[..., 1]) / grid.res_m - 0.5
    return np.round(np.stack([col, row], axis=-1) * _ONE).astype(np.int32)


def _rings(geom: BaseGeometry) -> list[np.ndarray]:
    if geom.is_empty:
        return []
    polys = geom.geoms if isinstance(geom, MultiPolygon) or hasattr(geom, "geoms") else [geom]
    rings = []
    for p in polys:
        if isinstance(p, Polygon) and not p.is_empty:
            rings.append(np.asarray(p.exterior.coords))
            rings.extend(np.asarray(h.coords) for h in p.interiors)
    return rings


def fill_mask(grid: TileGrid, geom: BaseGeometry, margin_m: float = 0.0) -> np.ndarray | None:
    """Coverage (float32 0..1, anti-aliased) of ``geom`` on the tile, or None if it misses the tile."""
    span = grid.size_px * grid.res_m
    m = margin_m + 2 * grid.res_m
    clipped = shapely.clip_by_rect(
        geom, grid.x0_m - m, grid.y1_m - span - m, grid.x0_m + span + m, grid.y1_m + m
    )
    rings = _rings(clipped)
    if not rings:
        return None
    mask = np.zeros((grid.size_px, grid.size_px), np.uint8)
    cv2.fillPoly(mask, [_to_px(grid, r) for r in rings], 255, cv2.LINE_AA, _SHIFT)
    return mask.astype(np.float32) * np.float32(1 / 255)


def _blend(img: np.ndarray, mask: np.ndarray, colour: np.ndarray, strength: float = 1.0) -> None:
    a = (mask * np.float32(strength))[..., None]
    img *= 1 - a
    img += a * colour


def draw_roads(
    img: np.ndarray, grid: TileGrid, roads: list[RoadShapes], texture: np.ndarray, soil_bgr: np.ndarray
) -> None:
    """Draw roads into ``img`` (float32 BGR 0..255) in place; ``texture`` (±0.5 noise) varies the
    surface, ``soil_bgr`` is the terrain's soil colour (dirt roads are a paler, smoother version)."""
    for road in roads:
        body = fill_mask(grid, road.body)
        if body is None:
            continue
        if road.surface == "paved":
            asphalt = (
                np.float32(72.0) * (1 + 0.25 * texture[..., None]) * np.array([1.0, 1.0, 1.02], np.float32)
            )
            a = body[..., None]
            img *= 1 - a
            img += a * asphalt
            edges = fill_mask(grid, road.edges)
            if edges is not None:
                _blend(img, edges * body, np.array([225, 228, 228], np.float32), 0.9)
            dashes = fill_mask(grid, road.tracks)
            if dashes is not None:
                _blend(img, dashes, np.array([40, 190, 215], np.float32), 0.85)
        else:
            # Compacted dirt: paler and smoother than the soil around it, darker tyre tracks.
            # Compacted, sun-bleached dirt: paler and greyer than the soil, with nothing growing on it.
            pale = (0.9 * soil_bgr + np.float32(46.0)) * (1 + 0.1 * texture)[..., None]
            a = body[..., None]
            img *= 1 - a
            img += a * pale
            tracks = fill_mask(grid, road.tracks)
            if tracks is not None:
                t = (tracks * body * 0.14)[..., None]
                img *= 1 - t


def draw_fences(
    img: np.ndarray, grid: TileGrid, fences: list[FenceShapes], colour: tuple[float, float, float]
) -> None:
    """Draw each fence's shadow, then the fence (bollards at fine resolutions), in place."""
    for fence in fences:
        reach = float(np.hypot(*fence.shadow_offset_m)) + 1.0
        if grid.res_m <= FINE_FENCE_RES_M:
            _draw_bollards(img, grid, fence, reach, colour)
            continue
        shadow = fill_mask(grid, fence.shadow, reach)
        if shadow is not None:
            img *= (1 - 0.33 * shadow)[..., None]
        line = fill_mask(grid, fence.line)
        if line is not None:
            _blend(img, line, np.array(colour, np.float32), 0.6)


def _draw_bollards(
    img: np.ndarray, grid: TileGrid, fence: FenceShapes, reach: float, colour: tuple[float, float, float]
) -> None:
    span = grid.size_px * grid.res_m
    xy = fence.bollards_xy_m
    if len(xy) == 0:
        return
    inside = (
        (xy[:, 0] > grid.x0_m - reach)
        & (xy[:, 0] < grid.x0_m + span + reach)
        & (xy[:, 1] > grid.y1_m - span - reach)
        & (xy[:, 1] < grid.y1_m + reach)
    )
    if not inside.any():
        return
    c, d = xy[inside], fence.along_xy[inside]
    half = d * (fence.width_m / 2)
    n = np.column_stack([-d[:, 1], d[:, 0]]) * (fence.width_m / 2)
    off = np.array(fence.shadow_offset_m)
    shadows = np.stack([c - half, c + half, c + half + off, c - half + off], axis=1)
    posts = np.stack([c - half - n, c + half - n, c + half + n, c - half + n], axis=1)
    mask = np.zeros((grid.size_px, grid.size_px), np.uint8)
    for quad in _to_px(grid, shadows):  # one call each: fillPoly XORs overlapping polygons of one call
        cv2.fillPoly(mask, [quad], 255, cv2.LINE_AA, _SHIFT)
    img *= (1 - 0.5 * mask.astype(np.float32) / 255)[..., None]
    mask[:] = 0
    cv2.fillPoly(mask, list(_to_px(grid, posts)), 255, cv2.LINE_AA, _SHIFT)
    _blend(img, mask.astype(np.float32) / 255, np.array(colour, np.float32))
