"""Scattered ground objects (shrubs, rocks): one candidate per cell of a world-aligned grid.

Each grid cell (i, j) of ``cell_m`` metres hashes to whether it holds an object, where in the cell,
how big, and which colour; so objects are the same from every tile that sees them. Density can vary
in space through a smooth field evaluated at the object's position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from sitl.camera.noise import TileGrid, lattice_values

_SHIFT = 4
_ONE = 1 << _SHIFT
_VERTS = 16


@dataclass(frozen=True, kw_only=True)
class ScatterKind:
    """A family of scattered objects: grid cell, presence, radius range, colours, height (for shadows)."""

    cell_m: float
    salt: int
    radius_m: tuple[float, float]
    colours_bgr: tuple[tuple[int, int, int], ...]
    height_m: float
    shadow_darkening: float
    roughness: float = 0.25  # how far the outline departs from an ellipse


@dataclass(frozen=True)
class Scattered:
    """Objects found near a tile: centres (N, 2) m, radii (N,) m, colour index (N,), outline seeds (N,)."""

    xy_m: np.ndarray
    radius_m: np.ndarray
    colour: np.ndarray
    shape: np.ndarray


def point_noise(x: np.ndarray, y: np.ndarray, wavelength_m: float, seed: int) -> np.ndarray:
    """Smooth value noise in [0, 1) at world points (bilinear with smoothstep; for density fields).

    >>> v = point_noise(np.array([0.0, 0.0]), np.array([5.0, 5.0]), 10.0, 3)
    >>> bool(v[0] == v[1])
    True
    """
    gx, gy = x / wavelength_m, y / wavelength_m
    ix, iy = np.floor(gx).astype(np.int64), np.floor(gy).astype(np.int64)
    fx, fy = gx - ix, gy - iy
    sx, sy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
    v00 = lattice_values(ix, iy, seed)
    v10 = lattice_values(ix + 1, iy, seed)
    v01 = lattice_values(ix, iy + 1, seed)
    v11 = lattice_values(ix + 1, iy + 1, seed)
    return (v00 * (1 - sx) + v10 * sx) * (1 - sy) + (v01 * (1 - sx) + v11 * sx) * sy


def find(
    grid: TileGrid,
    kind: ScatterKind,
    seed: int,
    density: Callable[[np.ndarray, np.ndarray], np.ndarray],
    margin_m: float,
) -> Scattered:
    """Objects of ``kind`` whose cells lie within the tile plus ``margin_m``."""
    span = grid.size_px * grid.res_m
    c = kind.cell_m
    i0 = int(np.floor((grid.x0_m - margin_m) / c))
    i1 = int(np.floor((grid.x0_m + span + margin_m) / c))
    j0 = int(np.floor((grid.y1_m - span - margin_m) / c))
    j1 = int(np.floor((grid.y1_m + margin_m) / c))
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1))
    ii, jj = ii.ravel(), jj.ravel()
    s = seed * 7919 + kind.salt
    u = lattice_values(ii, jj, s + 1)
    v = lattice_values(ii, jj, s + 2)
    x = (ii + 0.15 + 0.7 * u) * c
    y = (jj + 0.15 + 0.7 * v) * c
    keep = lattice_values(ii, jj, s + 3) < density(x, y)
    w = lattice_values(ii[keep], jj[keep], s + 4)
    lo, hi = kind.radius_m
    size = (w * 4096) % 1.0  # independent-enough digits of one hash value
    radius = lo + (hi - lo) * size * size
    colour = (w * len(kind.colours_bgr)).astype(int)
    shape = (w * (1 << 24)).astype(np.int64)
    return Scattered(xy_m=np.column_stack([x[keep], y[keep]]), radius_m=radius, colour=colour, shape=shape)


def _outlines(objs: Scattered, roughness: float, offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """(N, V, 2) outline vertices in metres: ellipses with a hashed wobble."""
    n = len(objs.radius_m)
    k = np.arange(_VERTS)
    angle = 2 * np.pi * k / _VERTS
    a = lattice_values(objs.shape[:, None], k[None, :], 11)
    r = objs.radius_m[:, None] * (1 - roughness / 2 + roughness * a)
    stretch = 0.8 + 0.4 * lattice_values(objs.shape, np.zeros(n, np.int64), 12)
    pts = np.empty((n, _VERTS, 2))
    pts[..., 0] = objs.xy_m[:, None, 0] + offset[0] + r * np.cos(angle) * stretch[:, None]
    pts[..., 1] = objs.xy_m[:, None, 1] + offset[1] + r * np.sin(angle) / stretch[:, None]
    return pts


def _px(grid: TileGrid, pts: np.ndarray) -> np.ndarray:
    col = (pts[..., 0] - grid.x0_m) / grid.res_m - 0.5
    row = (grid.y1_m - pts[..., 1]) / grid.res_m - 0.5
    return np.round(np.stack([col, row], axis=-1) * _ONE).astype(np.int32)


def draw(
    img: np.ndarray,
    grid: TileGrid,
    objs: Scattered,
    kind: ScatterKind,
    shadow_per_m: tuple[float, float],
    texture: np.ndarray,
) -> None:
    """Draw the objects' shadows, then the objects, into ``img`` (float32 BGR), in place."""
    visible = objs.radius_m / grid.res_m >= 0.6
    if not visible.any():
        return
    objs = Scattered(objs.xy_m[visible], objs.radius_m[visible], objs.colour[visible], objs.shape[visible])
    off = (shadow_per_m[0] * kind.height_m, shadow_per_m[1] * kind.height_m)
    # A shadow runs from the object's foot to its full offset: three outlines along the way cover it.
    shadow_rings = [_outlines(objs, kind.roughness, (off[0] * t, off[1] * t)) for t in (0.35, 0.7, 1.0)]
    shadows = _px(grid, np.concatenate(shadow_rings, axis=1))
    bodies = _px(grid, _outlines(objs, kind.roughness))
    n = grid.size_px
    if len(bodies) > 48:  # many small objects: one pass over the whole tile per colour
        mask = np.zeros((n, n), np.uint8)
        _fill_each(mask, _rings(shadows))
        _darken(img, mask, kind.shadow_darkening)
        tex = 1 + 0.35 * texture
        for ci, colour in enumerate(kind.colours_bgr):
            chosen = bodies[objs.colour == ci]
            if len(chosen) == 0:
                continue
            mask[:] = 0
            _fill_each(mask, list(chosen))
            a = mask.astype(np.float32) * np.float32(1 / 255)
            img *= (1 - a)[..., None]
            img += (a * tex)[..., None] * np.asarray(colour, np.float32)
        return
    for shadow, poly, ci in zip(shadows, bodies, objs.colour, strict=True):
        box = _roi(np.vstack([shadow, poly]), n)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        _fill_each(mask, _rings(shadow[None] - [x0 * _ONE, y0 * _ONE]))
        _darken(img[y0:y1, x0:x1], mask, kind.shadow_darkening)
        _paint(img, texture, poly, kind.colours_bgr[ci], box)


def _fill_each(mask: np.ndarray, polys: list[np.ndarray]) -> None:
    """Fill polygons one call each: one fillPoly call XORs where its polygons overlap."""
    for poly in polys:
        cv2.fillPoly(mask, [poly], 255, cv2.LINE_AA, _SHIFT)


def _rings(shadows: np.ndarray) -> list[np.ndarray]:
    """(N, 3V, 2) stacked shadow outlines → the list of (V, 2) rings fillPoly wants."""
    n = shadows.shape[0]
    return list(shadows.reshape(n * (shadows.shape[1] // _VERTS), _VERTS, 2))


def _roi(poly_fixed: np.ndarray, n: int) -> tuple[int, int, int, int] | None:
    lo = np.floor(poly_fixed.min(axis=0) / _ONE).astype(int) - 1
    hi = np.ceil(poly_fixed.max(axis=0) / _ONE).astype(int) + 2
    x0, y0 = max(0, lo[0]), max(0, lo[1])
    x1, y1 = min(n, hi[0]), min(n, hi[1])
    return None if x1 <= x0 or y1 <= y0 else (int(x0), int(y0), int(x1), int(y1))


def _darken(img: np.ndarray, mask: np.ndarray, darkening: float) -> None:
    f = mask.astype(np.float32)
    f *= np.float32(-darkening / 255)
    f += 1
    img *= f[..., None]


def _paint(
    img: np.ndarray,
    texture: np.ndarray,
    poly: np.ndarray,
    colour: tuple[int, int, int],
    box: tuple[int, int, int, int],
) -> None:
    """Blend one textured, anti-aliased polygon of ``colour`` into ``img`` within ``box``."""
    box2 = _roi(poly, img.shape[0])
    if box2 is None:
        return
    x0, y0, x1, y1 = box2
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [poly - [x0 * _ONE, y0 * _ONE]], 255, cv2.LINE_AA, _SHIFT)
    a = mask.astype(np.float32) * np.float32(1 / 255)
    tex = 1 + 0.35 * texture[y0:y1, x0:x1]
    sub = img[y0:y1, x0:x1]
    sub *= (1 - a)[..., None]
    sub += (a * tex)[..., None] * np.asarray(colour, np.float32)
