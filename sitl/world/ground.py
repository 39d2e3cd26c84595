"""The ground's height: flat at one altitude (the default), or a small height-map grid.

Heights are metres above mean sea level, which the simulator takes as height above the WGS84
ellipsoid (no geoid model): the same convention the vehicle's ``alt_amsl_m`` follows. The grid is in
the world's metric frame (x east, y north, metres from the world origin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sitl.errors import SimConfigError


@dataclass(frozen=True, kw_only=True)
class GroundPlane:
    """A plane ``alt = alt_amsl_m + slope_x·(x - x0_m) + slope_y·(y - y0_m)`` (metres, world frame)."""

    x0_m: float
    y0_m: float
    alt_amsl_m: float
    slope_x: float = 0.0  # metres of rise per metre east
    slope_y: float = 0.0  # metres of rise per metre north

    def alt_at(self, x_m: np.ndarray | float, y_m: np.ndarray | float) -> np.ndarray | float:
        return self.alt_amsl_m + self.slope_x * (x_m - self.x0_m) + self.slope_y * (y_m - self.y0_m)


@dataclass(frozen=True, kw_only=True)
class Ground:
    """Flat ground at ``alt_amsl_m``, or a height map: ``heights_m[row, col]`` at
    ``x = x0_m + col·spacing_m`` east and ``y = y0_m + row·spacing_m`` north (row 0 is the south edge).

    >>> flat = Ground(alt_amsl_m=1160.0)
    >>> float(flat.alt_at(120.0, -40.0))
    1160.0
    >>> hill = Ground(alt_amsl_m=1160.0, heights_m=((1160.0, 1170.0), (1160.0, 1170.0)), spacing_m=100.0)
    >>> float(hill.alt_at(50.0, 50.0))
    1165.0
    """

    alt_amsl_m: float
    heights_m: tuple[tuple[float, ...], ...] | None = None
    x0_m: float = 0.0
    y0_m: float = 0.0
    spacing_m: float = 30.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.alt_amsl_m):
            raise SimConfigError(f"ground altitude must be a finite number, got {self.alt_amsl_m!r}")
        if self.heights_m is not None:
            grid = np.asarray(self.heights_m, dtype=float)
            if grid.ndim != 2 or min(grid.shape) < 2 or not np.all(np.isfinite(grid)):
                raise SimConfigError("a height map needs a rectangular grid of at least 2×2 finite heights")
            if not (math.isfinite(self.spacing_m) and self.spacing_m > 0):
                raise SimConfigError(f"height-map spacing must be positive, got {self.spacing_m!r} m")
            object.__setattr__(self, "_grid", grid)

    @property
    def is_flat(self) -> bool:
        return self.heights_m is None

    def alt_at(self, x_m: np.ndarray | float, y_m: np.ndarray | float) -> np.ndarray:
        """Ground altitude AMSL (m) at world-frame points; bilinear in the grid, clamped at its edges."""
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        if self.heights_m is None:
            return np.full(np.broadcast(x, y).shape, self.alt_amsl_m)
        grid: np.ndarray = self._grid  # type: ignore[attr-defined]
        rows, cols = grid.shape
        c = np.clip((x - self.x0_m) / self.spacing_m, 0, cols - 1)
        r = np.clip((y - self.y0_m) / self.spacing_m, 0, rows - 1)
        c0 = np.minimum(np.floor(c).astype(int), cols - 2)
        r0 = np.minimum(np.floor(r).astype(int), rows - 2)
        fc, fr = c - c0, r - r0
        top = grid[r0, c0] * (1 - fc) + grid[r0, c0 + 1] * fc
        bottom = grid[r0 + 1, c0] * (1 - fc) + grid[r0 + 1, c0 + 1] * fc
        return top * (1 - fr) + bottom * fr

    def plane_near(self, x_m: float, y_m: float, radius_m: float) -> GroundPlane:
        """The least-squares plane through the ground within ``radius_m`` of (x, y): what one frame draws.

        Flat ground gives the horizontal plane at ``alt_amsl_m``.
        """
        if self.heights_m is None:
            return GroundPlane(x0_m=x_m, y0_m=y_m, alt_amsl_m=self.alt_amsl_m)
        offsets = np.linspace(-radius_m, radius_m, 7)
        gx, gy = np.meshgrid(offsets, offsets)
        z = self.alt_at(x_m + gx.ravel(), y_m + gy.ravel())
        design = np.column_stack([np.ones(z.size), gx.ravel(), gy.ravel()])
        (a, bx, by), *_ = np.linalg.lstsq(design, z, rcond=None)
        return GroundPlane(x0_m=x_m, y0_m=y_m, alt_amsl_m=float(a), slope_x=float(bx), slope_y=float(by))
