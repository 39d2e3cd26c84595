"""Value noise seeded by world coordinates: the same place always gets the same numbers.

A noise octave of wavelength λ metres has a random value at every lattice point (i·λ, j·λ) of the
world frame, from an integer hash of (i, j, seed); between lattice points it is interpolated
(bicubic, by OpenCV). A tile samples it at its own resolution, so neighbouring tiles, and tiles of
different resolutions, agree where they overlap. Octaves shorter than two pixels are left out (they
would alias), and long ones are computed on a coarser grid and scaled up, which looks the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def lattice_values(ix: np.ndarray, iy: np.ndarray, seed: int) -> np.ndarray:
    """Uniform values in [0, 1) at integer lattice points, a pure function of (ix, iy, seed).

    >>> v = lattice_values(np.array([0, 1, 0]), np.array([0, 0, 0]), 7)
    >>> bool(v[0] == v[2]) and bool(v[0] != v[1]) and bool(((v >= 0) & (v < 1)).all())
    True
    """
    ix, iy = np.broadcast_arrays(np.asarray(ix, np.int64), np.asarray(iy, np.int64))
    with np.errstate(over="ignore"):
        h = ix.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        h ^= iy.view(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
        h ^= np.uint64((seed * 0x165667B19E3779F9) & 0xFFFFFFFFFFFFFFFF)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xC4CEB9FE1A85EC53)
        h ^= h >> np.uint64(33)
    return (h >> np.uint64(40)).astype(np.float32) / np.float32(1 << 24)


@dataclass(frozen=True, kw_only=True)
class TileGrid:
    """Where a square tile of ``size_px`` pixels lies: its west edge ``x0_m``, north edge ``y1_m`` and
    resolution ``res_m`` (metres per pixel). Pixel (col c, row k) is centred at
    (x0 + (c + 0.5)·res, y1 - (k + 0.5)·res)."""

    x0_m: float
    y1_m: float
    res_m: float
    size_px: int

    def coarser(self, factor: int) -> TileGrid:
        """A grid ``factor`` times coarser covering this one plus one coarse pixel all round."""
        res = self.res_m * factor
        return TileGrid(
            x0_m=self.x0_m - res, y1_m=self.y1_m + res, res_m=res, size_px=self.size_px // factor + 2
        )

    def centres_m(self) -> tuple[np.ndarray, np.ndarray]:
        """World x (cols,) and y (rows,) of the pixel centres."""
        idx = np.arange(self.size_px) + 0.5
        return self.x0_m + idx * self.res_m, self.y1_m - idx * self.res_m


def _octave(grid: TileGrid, wavelength_m: float, seed: int) -> np.ndarray:
    """One octave of value noise in [0, 1) sampled on ``grid`` (float32, size × size)."""
    s = grid.res_m / wavelength_m  # lattice units per pixel
    gx0 = (grid.x0_m + 0.5 * grid.res_m) / wavelength_m
    gy0 = (grid.y1_m - 0.5 * grid.res_m) / wavelength_m
    span = grid.size_px * s
    a0 = int(np.floor(gx0)) - 2
    b0 = int(np.floor(gy0 - span)) - 2
    na = int(np.ceil(span)) + 5
    ix, iy = np.meshgrid(np.arange(a0, a0 + na), np.arange(b0, b0 + na))
    lattice = lattice_values(ix, iy, seed)
    m = np.array([[s, 0.0, gx0 - a0], [0.0, -s, gy0 - b0]])
    return cv2.warpAffine(
        lattice,
        m,
        (grid.size_px, grid.size_px),
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def fbm(grid: TileGrid, octaves: tuple[tuple[float, float], ...], seed: int) -> np.ndarray:
    """Sum of octaves ``(wavelength_m, amplitude)`` centred on 0 (each octave spans ±amplitude/2·…).

    Octaves under 2 pixels are dropped and those between 2 and 4 pixels faded, so a coarse tile is a
    blurred version of a fine one. Returns float32 (size × size), mean ≈ 0.
    """
    out = np.zeros((grid.size_px, grid.size_px), np.float32)
    buckets: dict[int, np.ndarray] = {}
    for k, (wavelength, amplitude) in enumerate(octaves):
        px = wavelength / grid.res_m
        if px < 2.0:
            continue
        weight = amplitude * min(1.0, (px - 2.0) / 2.0)
        factor = 1  # factor 1 also gets the one-pixel margin, cropped below
        while factor < 8 and px / (factor * 2) >= 6.0 and grid.size_px % (factor * 2) == 0:
            factor *= 2
        coarse = grid.coarser(factor)
        values = (_octave(coarse, wavelength, seed * 131 + k) - 0.5) * np.float32(weight)
        if factor in buckets:
            buckets[factor] += values
        else:
            buckets[factor] = values
    for factor, values in buckets.items():
        out += upsample(grid, factor, values)
    return out


def upsample(grid: TileGrid, factor: int, coarse: np.ndarray) -> np.ndarray:
    """Values sampled on ``grid.coarser(factor)`` brought to ``grid`` (bilinear, seamless at tile edges)."""
    n = grid.size_px
    if factor == 1:
        return coarse[1:-1, 1:-1]
    big = cv2.resize(coarse, (n + 2 * factor, n + 2 * factor), interpolation=cv2.INTER_LINEAR)
    return big[factor : factor + n, factor : factor + n]
