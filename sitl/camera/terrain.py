"""Procedural desert ground as cached tiles: sand and soil, dry grass, scrub with shadows, rocks, a
bare strip along the border, roads and the fence.

Tiles are square (``TILE_PX`` pixels) on a pyramid of resolutions: level L has ``BASE_RES_M · 2^L``
metres per pixel, tile (i, j) covers x in [i·S, (i+1)·S) east and y in [j·S, (j+1)·S) north of the
world origin (S = TILE_PX · resolution). Every value is a function of world position and the
terrain seed, so the same place looks the same from any pose, at any level, on any run.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

from sitl.camera import scatter
from sitl.camera.features import draw_fences, draw_roads, fill_mask, prepare_fences, prepare_roads
from sitl.camera.noise import TileGrid, fbm, upsample
from sitl.camera.scatter import point_noise
from sitl.world.model import World

TILE_PX = 256
BASE_RES_M = 0.01
MAX_LEVEL = 14
CLEARED_STRIP_M = 22.0  # vegetation is cleared this far either side of the border fence
FENCE_BGR = (38, 52, 78)  # weathered rust-brown steel


def level_res_m(level: int) -> float:
    return BASE_RES_M * (2**level)


@dataclass(frozen=True, kw_only=True)
class Patch:
    """A mosaic of tiles: BGR uint8 image whose pixel (col c, row k) is centred at
    (x0_m + (c + 0.5)·res_m, y1_m - (k + 0.5)·res_m) in the world frame."""

    image: np.ndarray
    x0_m: float
    y1_m: float
    res_m: float


class Terrain:
    """The ground texture of one world under one lighting, with an LRU cache of tiles."""

    def __init__(self, world: World, cache_tiles: int = 320) -> None:
        self.style = world.terrain
        self.lighting = world.lighting
        self._roads = prepare_roads(world.roads)
        self._fences = prepare_fences(world.fences, world.lighting)
        border = world.border_line
        self._cleared = border.buffer(CLEARED_STRIP_M) if border is not None else None
        self._cache: OrderedDict[tuple[int, int, int], np.ndarray] = OrderedDict()
        self._cache_tiles = cache_tiles
        self.tiles_made = 0

    # --- tiles -----------------------------------------------------------------------------------
    def tile(self, level: int, i: int, j: int) -> np.ndarray:
        """The (TILE_PX, TILE_PX, 3) uint8 BGR tile (i, j) of ``level`` (cached)."""
        key = (level, i, j)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        res = level_res_m(level)
        span = TILE_PX * res
        img = self._render(TileGrid(x0_m=i * span, y1_m=(j + 1) * span, res_m=res, size_px=TILE_PX))
        self._cache[key] = img
        self.tiles_made += 1
        while len(self._cache) > self._cache_tiles:
            self._cache.popitem(last=False)
        return img

    def patch(self, level: int, x_min: float, y_min: float, x_max: float, y_max: float) -> Patch:
        """The mosaic of ``level`` tiles covering the rectangle (world metres)."""
        res = level_res_m(level)
        span = TILE_PX * res
        i0, i1 = math.floor(x_min / span), math.floor(x_max / span)
        j0, j1 = math.floor(y_min / span), math.floor(y_max / span)
        out = np.empty(((j1 - j0 + 1) * TILE_PX, (i1 - i0 + 1) * TILE_PX, 3), np.uint8)
        for j in range(j0, j1 + 1):
            r = (j1 - j) * TILE_PX
            for i in range(i0, i1 + 1):
                c = (i - i0) * TILE_PX
                out[r : r + TILE_PX, c : c + TILE_PX] = self.tile(level, i, j)
        return Patch(image=out, x0_m=i0 * span, y1_m=(j1 + 1) * span, res_m=res)

    @staticmethod
    def tiles_for(level: int, x_min: float, y_min: float, x_max: float, y_max: float) -> int:
        span = TILE_PX * level_res_m(level)
        return (math.floor(x_max / span) - math.floor(x_min / span) + 1) * (
            math.floor(y_max / span) - math.floor(y_min / span) + 1
        )

    # --- drawing ---------------------------------------------------------------------------------
    def _render(self, g: TileGrid) -> np.ndarray:
        st = self.style
        seed = st.seed * 1009
        region = fbm(g, ((90.0, 1.0), (35.0, 0.7)), seed + 1)
        tint = fbm(g, ((60.0, 1.0),), seed + 2)
        patches = fbm(g, ((8.0, 1.0), (3.2, 0.6), (1.3, 0.4)), seed + 3)
        grain = fbm(g, ((0.3, 1.0), (0.11, 0.8), (0.045, 0.6)), seed + 4)
        var = st.soil_variation

        light = 1.0 + var * (0.30 * region + 0.22 * patches) + 0.16 * grain
        soil = np.asarray(st.soil_bgr, np.float32)
        img = np.empty((g.size_px, g.size_px, 3), np.float32)
        # Redder or greyer soil by region: shift blue and red against each other.
        img[..., 0] = soil[0] * light * (1 - 0.12 * var * tint)
        img[..., 1] = soil[1] * light
        img[..., 2] = soil[2] * light * (1 + 0.10 * var * tint)

        coarse = g.coarser(8)
        veg = np.clip(1.0 + 1.6 * fbm(coarse, ((70.0, 1.0),), seed + 5), 0.1, 2.0) * self._clearing(coarse)
        grass_thr = upsample(g, 8, self._coverage_threshold(st.grass_density * np.minimum(veg, 1.3), 0.2))
        self._grass(img, g, seed, grass_thr)
        self._scatter(img, g, grain)
        draw_roads(img, g, self._roads, grain, soil)
        draw_fences(img, g, self._fences, FENCE_BGR)
        return np.clip(img, 0, 255).astype(np.uint8)

    def _clearing(self, g: TileGrid) -> np.ndarray | float:
        """1 away from the border, fading to ~0.1 in the cleared strip along it (sampled on ``g``)."""
        if self._cleared is None:
            return 1.0
        mask = fill_mask(g, self._cleared, margin_m=6.0)
        return 1.0 if mask is None else 1.0 - 0.9 * mask

    @staticmethod
    @staticmethod
    def _coverage_threshold(density: np.ndarray | float, spread: float) -> np.ndarray:
        """Threshold above which noise of std ``spread`` covers a ``density`` share of the ground
        (inverse normal CDF, approximated to ~1e-3)."""
        d = np.clip(density, 0.002, 0.98)
        p = 1.0 - d
        return (spread * 4.91 * (p**0.14 - (1 - p) ** 0.14)).astype(np.float32)

    def _density(self, base: float, salt: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """Share of cells holding an object at world points: patchy, and thinned in the cleared strip."""
        seed = self.style.seed * 1009 + salt

        def field(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            patchy = np.clip(0.2 + 1.6 * point_noise(x, y, 70.0, seed), 0.0, 1.8)
            if self._cleared is not None:
                near = shapely.contains_xy(self._cleared, x, y)
                patchy = np.where(near, patchy * 0.12, patchy)
            return base * patchy

        return field

    def _grass(self, img: np.ndarray, g: TileGrid, seed: int, thr: np.ndarray) -> None:
        tufts = fbm(g, ((0.55, 1.0), (0.22, 0.6)), seed + 7)
        m = np.clip((tufts - thr) / 0.05, 0, 1) * 0.4
        straw = np.array([118, 168, 192], np.float32)
        a = m[..., None]
        img *= 1 - a
        img += a * straw

    def _scatter(self, img: np.ndarray, g: TileGrid, grain: np.ndarray) -> None:
        shadow = self.lighting.shadow_vector_per_m
        seed = self.style.seed
        for kind, base in ((ROCKS, 0.5 * self.style.rock_density), (SHRUBS, 1.6 * self.style.scrub_density)):
            reach = kind.radius_m[1] * 1.5 + kind.height_m * float(np.hypot(*shadow))
            objs = scatter.find(g, kind, seed, self._density(base, kind.salt), reach)
            scatter.draw(img, g, objs, kind, shadow, grain)


SHRUBS = scatter.ScatterKind(
    cell_m=3.2,
    salt=1,
    radius_m=(0.35, 1.5),
    colours_bgr=((62, 92, 86), (56, 84, 84), (88, 104, 112), (70, 112, 108), (54, 76, 72)),
    height_m=1.1,
    shadow_darkening=0.45,
    roughness=0.35,
)
ROCKS = scatter.ScatterKind(
    cell_m=1.1,
    salt=2,
    radius_m=(0.05, 0.32),
    colours_bgr=((112, 118, 124), (96, 104, 116), (140, 146, 150), (84, 96, 112)),
    height_m=0.15,
    shadow_darkening=0.35,
    roughness=0.3,
)
