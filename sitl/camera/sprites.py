"""Targets seen from above as flat shapes on the ground, at physical scale, with their shadows.

A sprite is a list of coloured polygons in metres east/north of the target's ground point (ENU),
drawn in order, plus shadow polygons cast away from the sun. Bodies are what a detector must box;
shadows are not part of the box. People are ~0.42–0.52 m across the shoulders; vehicles use their
look's length and width. Walking people swing legs and arms with the distance walked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sitl.world.looks import BGR, PersonLook, TargetKind, VehicleLook

_ELLIPSE_VERTS = 14


@dataclass(frozen=True)
class Sprite:
    """Polygons in metres (east, north) relative to the target's ground point."""

    shadows: tuple[np.ndarray, ...]
    parts: tuple[tuple[np.ndarray, BGR], ...]

    def body_points(self) -> np.ndarray:
        return np.vstack([p for p, _ in self.parts])


def _ellipse(cf: float, cr: float, half_f: float, half_r: float, n: int = _ELLIPSE_VERTS) -> np.ndarray:
    a = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([cf + half_f * np.cos(a), cr + half_r * np.sin(a)])


def _rect(f0: float, f1: float, half_w0: float, half_w1: float | None = None) -> np.ndarray:
    """Quad from rear ``f0`` to front ``f1`` (forward metres), half-widths at each end."""
    w1 = half_w0 if half_w1 is None else half_w1
    return np.array([[f0, -half_w0], [f1, -w1], [f1, w1], [f0, half_w0]])


def _rounded_rect(half_l: float, half_w: float, radius: float) -> np.ndarray:
    pts = []
    for cf, cr, start in ((half_l - radius, half_w - radius, 0.0), (-half_l + radius, half_w - radius, 90.0),
                          (-half_l + radius, -half_w + radius, 180.0), (half_l - radius, -half_w + radius, 270.0)):  # fmt: skip
        for a in np.radians(np.linspace(start, start + 90.0, 4)):
            pts.append((cf + radius * math.cos(a), cr + radius * math.sin(a)))
    return np.array(pts)


def _to_enu(local_fr: np.ndarray, heading_deg: float) -> np.ndarray:
    """(forward, right) metres → (east, north) metres for a target heading ``heading_deg``."""
    h = math.radians(heading_deg)
    fwd = np.array([math.sin(h), math.cos(h)])
    right = np.array([math.cos(h), -math.sin(h)])
    return local_fr[:, :1] * fwd + local_fr[:, 1:2] * right


def _shade(colour: BGR, factor: float) -> BGR:
    return tuple(int(min(255, max(0, round(c * factor)))) for c in colour)  # type: ignore[return-value]


def _strip_shadow(
    shadow_per_m: np.ndarray, profile: list[tuple[float, float]], height_m: float
) -> np.ndarray:
    """Shadow of an upright body: ``profile`` is (height share, half-width m) from feet to top."""
    length = shadow_per_m * height_m
    norm = float(np.hypot(*length))
    side = np.array([-length[1], length[0]]) / norm if norm > 1e-6 else np.array([1.0, 0.0])
    left = [length * t + side * w for t, w in profile]
    right = [length * t - side * w for t, w in reversed(profile)]
    return np.array(left + right)


def person_sprite(
    look: PersonLook, heading_deg: float, stride_m: float, moving: bool, shadow_per_m
) -> Sprite:
    """A person from above: legs, arms, torso, backpack, head or hat; shadow from the sun."""
    s = np.asarray(shadow_per_m, dtype=float)
    half_w = look.shoulder_width_m / 2
    half_d = look.torso_depth_m / 2
    swing = 0.22 * math.sin(2 * math.pi * stride_m / 1.5) if moving else 0.0
    profile = [(0.0, 0.10), (0.45, 0.17), (0.78, half_w * 0.95), (0.86, 0.07), (0.9, 0.1), (1.0, 0.07)]
    shadows = [_strip_shadow(s, profile, look.height_m)]
    parts: list[tuple[np.ndarray, BGR]] = [
        (_ellipse(swing, -0.1, 0.15, 0.07), _shade(look.pants_bgr, 0.85)),
        (_ellipse(-swing, 0.1, 0.15, 0.07), _shade(look.pants_bgr, 0.85)),
        (_ellipse(-0.6 * swing, -(half_w + 0.01), 0.13, 0.055), _shade(look.shirt_bgr, 0.9)),
        (_ellipse(0.6 * swing, half_w + 0.01, 0.13, 0.055), _shade(look.shirt_bgr, 0.9)),
        (_ellipse(0.0, 0.0, half_d, half_w), look.shirt_bgr),
    ]
    if look.backpack_bgr is not None:
        parts.append((_rect(-half_d - 0.12, -half_d + 0.08, 0.16), look.backpack_bgr))
    if look.hat == "wide":
        parts.append((_ellipse(0.02, 0.0, 0.21, 0.21, 18), look.head_bgr))
        parts.append((_ellipse(0.02, 0.0, 0.1, 0.1), _shade(look.head_bgr, 0.82)))
    elif look.hat == "cap":
        parts.append((_rect(0.08, 0.2, 0.07), _shade(look.head_bgr, 0.85)))
        parts.append((_ellipse(0.02, 0.0, 0.105, 0.095), look.head_bgr))
    else:
        parts.append((_ellipse(0.02, 0.0, 0.11, 0.095), look.head_bgr))
    return Sprite(
        shadows=tuple(shadows),
        parts=tuple((_to_enu(p, heading_deg), c) for p, c in parts),
    )


# Where each piece of a body sits, as shares of the length from the rear (-0.5) to the front (+0.5).
_LAYOUTS = {
    TargetKind.CAR: {"windshield": (0.12, 0.29), "roof": (-0.2, 0.12), "rear_glass": (-0.33, -0.2)},
    TargetKind.SUV: {"windshield": (0.18, 0.31), "roof": (-0.41, 0.18), "rear_glass": (-0.47, -0.41)},
    TargetKind.PICKUP: {"windshield": (0.17, 0.29), "roof": (-0.03, 0.17), "rear_glass": (-0.07, -0.03)},
}


def vehicle_sprite(look: VehicleLook, kind: TargetKind, heading_deg: float, shadow_per_m) -> Sprite:
    """A car, SUV or pickup from above: body, hood, glass, roof (and a pickup's bed); its shadow."""
    s = np.asarray(shadow_per_m, dtype=float)
    length, width = look.length_m, look.width_m
    half_l, half_w = length / 2, width / 2
    outline = _rounded_rect(half_l, half_w, min(0.45, half_w * 0.45))
    # The shadow: the body's outline swept from the ground up to its roof height.
    base = _to_enu(outline, heading_deg)
    roof = base + s * (look.height_m * 0.92)
    shadow = _hull(np.vstack([base, roof]))
    lay = _LAYOUTS[kind]
    body = look.body_bgr
    cabin_w = half_w * 0.8
    (w0, w1), (r0, r1), (g0, g1) = lay["windshield"], lay["roof"], lay["rear_glass"]
    parts: list[tuple[np.ndarray, BGR]] = [
        (outline, _shade(body, 0.88)),
        (_rect(w1 * length, half_l - 0.1, half_w * 0.9), _shade(body, 0.97)),  # hood
        (_rect(w0 * length, w1 * length, cabin_w, half_w * 0.86), look.glass_bgr),
        (_rect(r0 * length, r1 * length, cabin_w), _shade(body, 1.06)),
        (_rect(g0 * length, g1 * length, cabin_w * 0.98, cabin_w), look.glass_bgr),
        (_rect(w1 * length - 0.1, w1 * length + 0.05, half_w + 0.12), _shade(body, 0.8)),  # mirrors
    ]
    if kind is TargetKind.PICKUP:
        bed0, bed1 = -half_l + 0.12, g0 * length - 0.12
        parts.append((_rect(bed0, bed1, half_w * 0.86), _shade(body, 0.45)))
        parts.append((_rect(bed0, bed0 + 0.08, half_w * 0.86), _shade(body, 0.7)))
    elif kind is TargetKind.SUV:
        for side in (-1, 1):
            rail = _rect(r0 * length + 0.15, r1 * length - 0.1, 0.03)
            rail[:, 1] += side * cabin_w * 0.8
            parts.append((rail, (30, 30, 32)))
    return Sprite(shadows=(shadow,), parts=tuple((_to_enu(p, heading_deg), c) for p, c in parts))


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (counter-clockwise) of 2-D points: Andrew's monotone chain."""
    pts = sorted(map(tuple, points))

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def sprite_for(
    kind: TargetKind, look, heading_deg: float, stride_m: float, speed_m_s: float, shadow_per_m
) -> Sprite:
    """The sprite of any target kind."""
    if kind is TargetKind.PERSON:
        return person_sprite(look, heading_deg, stride_m, speed_m_s > 0.05, shadow_per_m)
    return vehicle_sprite(look, kind, heading_deg, shadow_per_m)
