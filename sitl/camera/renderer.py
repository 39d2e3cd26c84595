"""Render what a drone's camera sees: terrain warped by the ground homography, targets, sky, light.

Per frame: the image is cut into bands of rows whose ground-sample distance varies less than 2×
(one band for a nadir view); each band gets a terrain patch at about its ground-sample distance,
warped into its rows with one ``cv2.warpPerspective``. Pixels whose rays miss the ground within
``far_m`` are sky. Targets are drawn in image space: their ground-plane polygons go through the same
homography, so boxes are exact. See ``sitl.camera.geometry`` for every convention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import pymap3d

from missions.camera import CameraSpec
from missions.values import GeoPoint
from sitl.camera.geometry import CameraView
from sitl.camera.sprites import Sprite, sprite_for
from sitl.camera.terrain import BASE_RES_M, MAX_LEVEL, Terrain
from sitl.camera.truth import FrameTruth, TargetTruth
from sitl.pose import VehiclePose
from sitl.world.model import Lighting, World
from sitl.world.targets import TargetState

SKY_BGR = (228, 206, 186)
_SHIFT = 4
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class RenderedFrame:
    """A rendered BGR image (H, W, 3 uint8), its ground truth and the camera that took it."""

    image: np.ndarray
    truth: FrameTruth
    view: CameraView


def _translate(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Homography ``h`` applied to (N, 2) points; NaN where the point maps to infinity or behind."""
    p = np.column_stack([pts, np.ones(len(pts))]) @ h.T
    with np.errstate(divide="ignore", invalid="ignore"):
        out = p[:, :2] / p[:, 2:3]
    out[p[:, 2] <= 1e-12] = np.nan
    return out


def _clip_halfplane(poly: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Sutherland–Hodgman: the part of convex polygon ``poly`` (N, 2) where g·(u, v, 1) < 0."""
    out = []
    n = len(poly)
    for k in range(n):
        a, b = poly[k], poly[(k + 1) % n]
        da, db = g[0] * a[0] + g[1] * a[1] + g[2], g[0] * b[0] + g[1] * b[1] + g[2]
        if da < 0:
            out.append(a)
        if (da < 0) != (db < 0):
            t = da / (da - db)
            out.append(a + t * (b - a))
    return np.array(out) if out else np.zeros((0, 2))


def lighting_lut(lighting: Lighting) -> np.ndarray:
    """A (256, 1, 3) per-channel LUT applying brightness and warmth (for ``cv2.LUT``)."""
    levels = np.arange(256, dtype=np.float32)
    gains = lighting.brightness * np.array([1 - 0.10 * lighting.warmth, 1.0, 1 + 0.08 * lighting.warmth])
    return np.clip(levels[:, None] * gains[None, :], 0, 255).astype(np.uint8).reshape(256, 1, 3)


class Renderer:
    """Renders frames of one world for one camera. Not thread-safe: one renderer per stream."""

    def __init__(
        self,
        world: World,
        camera: CameraSpec,
        *,
        terrain: Terrain | None = None,
        far_m: float = 2500.0,
        max_tiles: int = 110,
    ) -> None:
        self.world = world
        self.camera = camera
        self.terrain = terrain or Terrain(world)
        self.far_m = far_m
        self.max_tiles = max_tiles
        self._lut = lighting_lut(world.lighting)
        self._shadow = np.array(world.lighting.shadow_vector_per_m)

    # --- camera ----------------------------------------------------------------------------------
    def view_for(self, pose: VehiclePose) -> tuple[CameraView, np.ndarray]:
        """The camera view of ``pose`` and the 3×3 affine taking world-frame (x, y) to its ENU (e, n)."""
        frame = self.world.frame
        x_c, y_c = frame.to_xy(GeoPoint(lat_deg=pose.lat_deg, lon_deg=pose.lon_deg))
        plane = self.world.ground.plane_near(
            x_c, y_c, radius_m=max(30.0, 2.0 * (pose.alt_amsl_m - self.world.ground.alt_amsl_m))
        )
        view = CameraView.create(
            self.camera,
            lat_deg=pose.lat_deg,
            lon_deg=pose.lon_deg,
            alt_amsl_m=pose.alt_amsl_m,
            ground_alt_amsl_m=float(plane.alt_amsl_m),
            yaw_deg=pose.gimbal_yaw_deg,
            pitch_deg=pose.gimbal_pitch_deg,
            roll_deg=pose.gimbal_roll_deg,
            slope_e=plane.slope_x,
            slope_n=plane.slope_y,
        )
        span = max(60.0, 3.0 * view.height_m)
        xy = np.array([[x_c, y_c], [x_c + span, y_c], [x_c, y_c + span], [x_c - span, y_c - span]])
        geo = frame.geo_array(xy)
        e, n, _ = pymap3d.geodetic2enu(
            np.array([g.lat_deg for g in geo]),
            np.array([g.lon_deg for g in geo]),
            np.full(len(geo), view.origin_alt_amsl_m),
            view.origin_lat_deg,
            view.origin_lon_deg,
            view.origin_alt_amsl_m,
        )
        design = np.column_stack([xy, np.ones(len(xy))])
        coef, *_ = np.linalg.lstsq(design, np.column_stack([e, n]), rcond=None)
        enu_from_world = np.vstack([coef.T, [0.0, 0.0, 1.0]])
        return view, enu_from_world

    # --- frames ----------------------------------------------------------------------------------
    def render(self, pose: VehiclePose, t_sim_s: float, frame_index: int = 0) -> RenderedFrame:
        """The frame the camera takes at ``pose`` (world time ``t_sim_s``), with its ground truth."""
        view, enu_from_world = self.view_for(pose)
        k = view.intrinsics
        w, h = k.width_px, k.height_px
        image = np.empty((h, w, 3), np.uint8)
        g = view.visible_line(self.far_m)
        h_img = view.ground_homography()
        world_from_enu = np.linalg.inv(enu_from_world)
        for v0, v1, gsd in self._bands(view, g):
            self._draw_band(image, view, g, h_img, world_from_enu, v0, v1, gsd)
        sky = _clip_halfplane(np.array([[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]), -g)
        if len(sky) >= 3:
            cv2.fillPoly(image, [np.round((sky - 0.5) * _ONE).astype(np.int32)], SKY_BGR, cv2.LINE_AA, _SHIFT)
        targets = self._draw_targets(image, view, g, h_img, enu_from_world, t_sim_s)
        cv2.LUT(image, self._lut, dst=image)
        truth = FrameTruth(
            frame_index=frame_index,
            t_unix_s=pose.t_unix_s,
            t_sim_s=t_sim_s,
            image_size_px=(w, h),
            pose=pose,
            targets=targets,
        )
        return RenderedFrame(image=image, truth=truth, view=view)

    def _bands(self, view: CameraView, g: np.ndarray) -> list[tuple[int, int, float]]:
        """Row bands (v0, v1, finest ground-sample distance in metres) of the ground part of the image."""
        k = view.intrinsics
        w, h = k.width_px, k.height_px
        rows = np.linspace(0.0, float(h), 17)
        cols = np.array([0.5, w / 2, w - 0.5])
        uv = np.array([(c, min(r, h - 0.5)) for r in rows for c in cols])
        visible = uv @ g[:2] + g[2] < 0
        gsd = np.full(len(uv), np.nan)
        if visible.any():
            gsd[visible] = view.gsd_m(uv[visible])
        per_row = np.array(
            [np.nanmin(r) if np.isfinite(r).any() else np.nan for r in gsd.reshape(len(rows), 3)]
        )
        bands: list[tuple[int, int, float]] = []
        start, lo, hi = 0, math.inf, 0.0
        for i in range(len(rows) - 1):
            seg = per_row[i : i + 2]
            seg = seg[np.isfinite(seg)]
            if len(seg) == 0:
                continue
            s_lo, s_hi = float(seg.min()), float(seg.max())
            if lo < math.inf and max(hi, s_hi) > 2.0 * min(lo, s_lo):
                bands.append((start, int(rows[i]), lo))
                start, lo, hi = int(rows[i]), s_lo, s_hi
            else:
                lo, hi = min(lo, s_lo), max(hi, s_hi)
        if lo < math.inf:
            bands.append((start, h, lo))
        return [(a, b, s) for a, b, s in bands if b > a]

    def _draw_band(self, image, view, g, h_img, world_from_enu, v0: int, v1: int, gsd_m: float) -> None:
        k = view.intrinsics
        rect = np.array([[0.0, v0], [k.width_px, v0], [k.width_px, v1], [0.0, v1]])
        poly = _clip_halfplane(rect, g)
        if len(poly) < 3:
            return
        ground_enu = view.ground_points(poly)
        ground_enu = ground_enu[np.all(np.isfinite(ground_enu), axis=1)]
        if len(ground_enu) < 3:
            return
        ground_world = _apply(world_from_enu, ground_enu)
        margin = 4 * gsd_m
        x_min, y_min = ground_world.min(axis=0) - margin
        x_max, y_max = ground_world.max(axis=0) + margin
        level = int(np.clip(math.floor(math.log2(max(gsd_m * 1.25, BASE_RES_M) / BASE_RES_M)), 0, MAX_LEVEL))
        while level < MAX_LEVEL and Terrain.tiles_for(level, x_min, y_min, x_max, y_max) > self.max_tiles:
            level += 1
        patch = self.terrain.patch(level, x_min, y_min, x_max, y_max)
        # patch index (c, k) → world (x, y) → ENU (e, n) → image (u, v) → destination index in the band.
        world_from_patch = np.array(
            [
                [patch.res_m, 0.0, patch.x0_m + 0.5 * patch.res_m],
                [0.0, -patch.res_m, patch.y1_m - 0.5 * patch.res_m],
                [0, 0, 1],
            ]
        )
        m = _translate(-0.5, -0.5 - v0) @ h_img @ np.linalg.inv(world_from_enu) @ world_from_patch
        dst = image[v0:v1]
        cv2.warpPerspective(
            patch.image,
            m,
            (k.width_px, v1 - v0),
            dst=dst,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )

    # --- targets ---------------------------------------------------------------------------------
    def _draw_targets(self, image, view, g, h_img, enu_from_world, t_sim_s) -> tuple[TargetTruth, ...]:
        states = self.world.targets_at(t_sim_s)
        out = []
        for st in states:
            truth = self.draw_target(image, view, g, h_img, enu_from_world, st)
            if truth is not None:
                out.append(truth)
        return tuple(out)

    def draw_target(self, image, view, g, h_img, enu_from_world, st: TargetState) -> TargetTruth | None:
        """Draw one target (shadow, then body) and return its truth if any of it is in the image."""
        k = view.intrinsics
        w, h = k.width_px, k.height_px
        centre = _apply(enu_from_world, np.array([[st.x_m, st.y_m]]))[0]
        dist = float(np.hypot(*centre))
        if dist > self.far_m:
            return None
        sprite: Sprite = sprite_for(st.kind, st.look, st.heading_deg, st.stride_m, st.speed_m_s, self._shadow)
        body = _apply(h_img, sprite.body_points() + centre)
        if not np.all(np.isfinite(body)) or np.any(body @ g[:2] + g[2] >= 0):
            return None
        x0, y0 = body.min(axis=0)
        x1, y1 = body.max(axis=0)
        cx0, cy0, cx1, cy1 = max(x0, 0.0), max(y0, 0.0), min(x1, float(w)), min(y1, float(h))
        if cx1 <= cx0 or cy1 <= cy0:
            # Only its shadow can be in view; draw that and report nothing.
            self._draw_shadows(image, sprite, centre, h_img)
            return None
        self._draw_shadows(image, sprite, centre, h_img)
        for poly, colour in sprite.parts:
            pts = _apply(h_img, poly + centre)
            cv2.fillPoly(image, [np.round((pts - 0.5) * _ONE).astype(np.int32)], colour, cv2.LINE_AA, _SHIFT)
        full = (x1 - x0) * (y1 - y0)
        centre_px = _apply(h_img, centre[None])[0]
        return TargetTruth(
            id=st.id,
            target_class=st.target_class.value,
            kind=st.kind.value,
            lat_deg=st.lat_deg,
            lon_deg=st.lon_deg,
            alt_amsl_m=st.alt_amsl_m,
            heading_deg=st.heading_deg,
            speed_m_s=st.speed_m_s,
            bbox_px=(float(cx0), float(cy0), float(cx1), float(cy1)),
            centre_px=(float(centre_px[0]), float(centre_px[1])),
            truncated=bool(cx0 > x0 or cy0 > y0 or cx1 < x1 or cy1 < y1),
            visible_share=float((cx1 - cx0) * (cy1 - cy0) / full) if full > 0 else 0.0,
        )

    def _draw_shadows(self, image: np.ndarray, sprite: Sprite, centre: np.ndarray, h_img: np.ndarray) -> None:
        h, w = image.shape[:2]
        polys = [_apply(h_img, s + centre) for s in sprite.shadows]
        polys = [p for p in polys if np.all(np.isfinite(p))]
        if not polys:
            return
        allp = np.vstack(polys)
        x0, y0 = np.floor(allp.min(axis=0)).astype(int) - 1
        x1, y1 = np.ceil(allp.max(axis=0)).astype(int) + 2
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 <= x0 or y1 <= y0:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(
            mask,
            [np.round((p - 0.5 - [x0, y0]) * _ONE).astype(np.int32) for p in polys],
            255,
            cv2.LINE_AA,
            _SHIFT,
        )
        roi = image[y0:y1, x0:x1]
        f = 1.0 - 0.5 * mask.astype(np.float32) / 255.0
        roi[:] = (roi * f[..., None]).astype(np.uint8)
