"""Patrol effectiveness: how much of the border the cameras see, and how long each kilometre waits.

Coverage share: the camera footprint swept along every leg (the footprint is convex, so the area it
sweeps along a straight leg is the convex hull of its first and last positions) intersected with the
border line, over the line's length.

Revisit gap: N drones fly the patrol loop one after another, evenly spaced in time, at cruise speed.
A point of the border is "seen" while it lies inside a drone's footprint; its gap is the longest time
it goes unseen. A segment's worst gap is the worst of its points (sampled every ``sample_m``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiPoint
from shapely.ops import unary_union

from missions.camera import CameraSpec
from missions.errors import PlanningError
from missions.geo import LocalFrame
from missions.route import LegKind, route_legs
from missions.values import BorderLine, GeoPoint, MavCmd, Mission


@dataclass(frozen=True, kw_only=True)
class SegmentRevisit:
    start_km: float
    end_km: float
    seen_share: float
    worst_gap_s: float | None  # None: part of this segment is never seen


@dataclass(frozen=True, kw_only=True)
class PatrolEffectiveness:
    border_length_m: float
    covered_length_m: float
    coverage_share: float
    cycle_s: float
    drones: int
    segments: tuple[SegmentRevisit, ...]
    worst_gap_s: float | None


def _rotation(heading_rad: float) -> np.ndarray:
    """Maps (right, forward) to (east, north) for a vehicle heading clockwise from north."""
    s, c = math.sin(heading_rad), math.cos(heading_rad)
    return np.array([[c, s], [-s, c]])


def _footprint_xy(center: np.ndarray, heading_rad: float, corners_rf: np.ndarray) -> np.ndarray:
    return center + corners_rf @ _rotation(heading_rad).T


def ground_footprint(
    camera: CameraSpec, at: GeoPoint, alt_agl_m: float, heading_deg: float, pitch_deg: float | None = None
) -> list[GeoPoint]:
    """The four ground corners the camera sees from ``at`` (flat ground), facing ``heading_deg``."""
    frame = LocalFrame(origin=at)
    corners = camera.footprint_corners_m(alt_agl_m, pitch_deg)
    return frame.geo_array(_footprint_xy(np.zeros(2), math.radians(heading_deg), corners))


def swath(mission: Mission, camera: CameraSpec, frame: LocalFrame):
    """The ground the camera sweeps over the whole flight, as a shapely geometry in ``frame``."""
    pieces = []
    for leg in route_legs(mission):
        alt = leg.start_alt_rel_m if leg.kind == LegKind.RETURN else leg.end_alt_rel_m
        if leg.start == leg.end or alt < 1.0:
            continue
        a, b = np.array(frame.to_xy(leg.start)), np.array(frame.to_xy(leg.end))
        heading = math.atan2(b[0] - a[0], b[1] - a[1])
        corners = camera.footprint_corners_m(alt)
        pts = np.vstack([_footprint_xy(a, heading, corners), _footprint_xy(b, heading, corners)])
        pieces.append(MultiPoint(pts).convex_hull)
    return unary_union(pieces)


def _patrol_loop(mission: Mission, frame: LocalFrame) -> tuple[np.ndarray, float, float]:
    """The patrol loop's vertices (closed), its altitude and cruise speed."""
    speed = mission.cruise_speed_m_s
    pts, alts = [], []
    for wp in mission.items:
        if wp.command == MavCmd.DO_CHANGE_SPEED and wp.speed_m_s and wp.speed_m_s > 0:
            speed = wp.speed_m_s
        if wp.command == MavCmd.NAV_WAYPOINT and wp.has_location:
            pts.append(frame.to_xy(wp.point))
            alts.append(wp.alt_m)
    if len(pts) < 2:
        raise PlanningError("the mission has fewer than two waypoints: there is no patrol loop to measure")
    loop = np.array(pts)
    if np.hypot(*(loop[-1] - loop[0])) > 1.0:
        loop = np.vstack([loop, loop[:1]])
    return loop, float(np.median(alts)), speed


def _sample_line(coords: np.ndarray, step_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``step_m`` along a polyline, their distance along it, and the heading there."""
    seg = np.diff(coords, axis=0)
    seg_len = np.hypot(seg[:, 0], seg[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    dist = np.arange(0.0, cum[-1] + 1e-9, step_m)
    idx = np.clip(np.searchsorted(cum, dist, side="right") - 1, 0, len(seg) - 1)
    frac = np.where(seg_len[idx] > 0, (dist - cum[idx]) / np.maximum(seg_len[idx], 1e-12), 0.0)
    pts = coords[idx] + seg[idx] * frac[:, None]
    heading = np.arctan2(seg[idx, 0], seg[idx, 1])
    return pts, dist, heading


def border_effectiveness(
    mission: Mission,
    border: BorderLine,
    camera: CameraSpec,
    *,
    drones: int = 1,
    sample_m: float = 10.0,
    segment_m: float = 1000.0,
) -> PatrolEffectiveness:
    if drones < 1:
        raise PlanningError(f"drones must be at least 1, got {drones}")
    frame = LocalFrame.around([*border.points, mission.home.point])
    line = LineString(frame.xy_array(list(border.points)))
    seen_geom = swath(mission, camera, frame)
    covered = line.intersection(seen_geom).length if not seen_geom.is_empty else 0.0

    loop, alt, speed = _patrol_loop(mission, frame)
    route_pts, route_dist, route_heading = _sample_line(loop, min(5.0, sample_m))
    cycle_s = float(route_dist[-1] / speed)
    dt = float(min(5.0, sample_m) / speed)
    times = route_dist / speed
    corners = camera.footprint_corners_m(alt)
    reach = float(np.max(np.hypot(corners[:, 0], corners[:, 1])))

    border_pts, border_dist, _ = _sample_line(np.asarray(line.coords), sample_m)
    tree = cKDTree(route_pts)
    candidates = tree.query_ball_point(border_pts, r=reach)
    # Point-in-footprint test in each route sample's (right, forward) frame.
    edges = np.roll(corners, -1, axis=0) - corners
    gaps = np.full(len(border_pts), np.inf)
    offsets = np.arange(drones) * cycle_s / drones
    for j, cand in enumerate(candidates):
        if not cand:
            continue
        cand = np.asarray(cand)
        rel = border_pts[j] - route_pts[cand]
        s, c = np.sin(route_heading[cand]), np.cos(route_heading[cand])
        right = rel[:, 0] * c - rel[:, 1] * s
        forward = rel[:, 0] * s + rel[:, 1] * c
        local = np.column_stack([right, forward])
        cross = edges[None, :, 0] * (local[:, None, 1] - corners[None, :, 1]) - edges[None, :, 1] * (
            local[:, None, 0] - corners[None, :, 0]
        )
        inside = np.all(cross <= 1e-9, axis=1) | np.all(cross >= -1e-9, axis=1)
        if not inside.any():
            continue
        visits = np.sort(((times[cand[inside]][:, None] + offsets[None, :]) % cycle_s).ravel())
        diffs = np.diff(np.concatenate([visits, visits[:1] + cycle_s]))
        gaps[j] = max(0.0, float(diffs.max()) - dt)

    segments = []
    n_seg = max(1, math.ceil(line.length / segment_m - 1e-9))
    for k in range(n_seg):
        lo, hi = k * segment_m, min((k + 1) * segment_m, line.length)
        mask = (border_dist >= lo) & (border_dist < hi if k < n_seg - 1 else border_dist <= hi)
        seg_gaps = gaps[mask]
        seen = float(np.mean(np.isfinite(seg_gaps))) if len(seg_gaps) else 0.0
        worst = float(seg_gaps.max()) if len(seg_gaps) and np.all(np.isfinite(seg_gaps)) else None
        segments.append(
            SegmentRevisit(start_km=lo / 1000, end_km=hi / 1000, seen_share=seen, worst_gap_s=worst)
        )
    worst_all = None if any(s.worst_gap_s is None for s in segments) else max(s.worst_gap_s for s in segments)
    return PatrolEffectiveness(
        border_length_m=float(line.length),
        covered_length_m=float(covered),
        coverage_share=float(covered / line.length) if line.length else 0.0,
        cycle_s=cycle_s,
        drones=drones,
        segments=tuple(segments),
        worst_gap_s=worst_all,
    )
