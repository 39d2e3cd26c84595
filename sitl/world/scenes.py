"""Random scenes for training data: a patch of desert with a background theme, lighting, and targets
placed where a given camera will see them.

A ``SceneSpec`` fixes what stays the same across a few images (ground style, roads, fence, light);
``place_targets`` scatters people (alone or in groups, walking or standing) and vehicles (on the road
when there is one) over the ground a camera view covers, some cut by the frame edges.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from missions.geo import LocalFrame
from missions.values import HomePosition
from sitl.world.ground import Ground
from sitl.world.looks import TargetKind, random_look
from sitl.world.model import Fence, Lighting, Road, TerrainStyle, World
from sitl.world.targets import Target, Trajectory

BACKGROUNDS = ("desert", "road", "fence", "scrub")
_SOILS = ((128, 160, 188), (150, 182, 208), (104, 134, 172), (134, 140, 146), (96, 116, 138), (140, 170, 196))
ORIGIN = HomePosition(lat_deg=31.3333, lon_deg=-110.95, alt_amsl_m=1200.0)


@dataclass(frozen=True, kw_only=True)
class SceneSpec:
    """What a few images share: the world without targets, its theme, and the area's centre (metres)."""

    world: World
    background: str
    centre_xy_m: tuple[float, float]
    road_heading_deg: float | None


def random_scene(rng: np.random.Generator, background: str | None = None) -> SceneSpec:
    """A random patch of desert (a world with no targets yet) around a random place."""
    background = background or str(rng.choice(BACKGROUNDS, p=[0.3, 0.3, 0.2, 0.2]))
    cx, cy = (float(v) for v in rng.uniform(-20000.0, 20000.0, 2))
    style = TerrainStyle(
        seed=int(rng.integers(1, 1_000_000)),
        soil_bgr=tuple(
            int(c) for c in np.clip(np.array(_SOILS[rng.integers(len(_SOILS))]) + rng.normal(0, 6, 3), 0, 255)
        ),
        soil_variation=float(rng.uniform(0.5, 1.5)),
        scrub_density=float(rng.uniform(0.3, 0.5) if background == "scrub" else rng.uniform(0.0, 0.3)),
        grass_density=float(rng.uniform(0.0, 0.6)),
        rock_density=float(rng.uniform(0.0, 1.0)),
    )
    lighting = Lighting(
        sun_azimuth_deg=float(rng.uniform(0, 360)),
        sun_elevation_deg=float(rng.uniform(20, 75)),
        brightness=float(rng.uniform(0.72, 1.25)),
        warmth=float(rng.uniform(-0.5, 0.6)),
    )
    roads: list[Road] = []
    fences: tuple[Fence, ...] = ()
    border: tuple[tuple[float, float], ...] = ()
    heading = None
    if background in ("road", "fence"):
        heading = float(rng.uniform(0, 180))
        d = np.array([math.sin(math.radians(heading)), math.cos(math.radians(heading))])
        n = np.array([-d[1], d[0]])
        shift = float(rng.uniform(-12, 12))
        a, b = np.array([cx, cy]) + n * shift - d * 1500, np.array([cx, cy]) + n * shift + d * 1500
        if background == "fence":
            border = (tuple(a), tuple(b))
            fences = (Fence(pieces_xy_m=(border,), height_m=float(rng.uniform(4.0, 9.0))),)
            off = float(rng.uniform(8, 16)) * (1 if rng.random() < 0.5 else -1)
            roads.append(
                Road(
                    name="patrol",
                    surface="dirt",
                    width_m=float(rng.uniform(4, 7)),
                    xy_m=(tuple(a + n * off), tuple(b + n * off)),
                )
            )
        else:
            paved = rng.random() < 0.35
            roads.append(
                Road(
                    name="road",
                    surface="paved" if paved else "dirt",
                    width_m=float(rng.uniform(7, 11) if paved else rng.uniform(3.5, 7)),
                    xy_m=(tuple(a), tuple(b)),
                )
            )
            if rng.random() < 0.3:  # a crossing track
                c0 = np.array([cx, cy]) - n * 400
                roads.append(
                    Road(
                        name="track",
                        surface="dirt",
                        width_m=float(rng.uniform(3, 5)),
                        xy_m=(tuple(c0), tuple(c0 + n * 800)),
                    )
                )
    world = World(
        name=f"scene ({background})",
        frame=LocalFrame(origin=ORIGIN.point),
        home=ORIGIN,
        ground=Ground(alt_amsl_m=ORIGIN.alt_amsl_m),
        terrain=style,
        lighting=lighting,
        border_xy_m=border,
        fences=fences,
        roads=tuple(roads),
    )
    return SceneSpec(world=world, background=background, centre_xy_m=(cx, cy), road_heading_deg=heading)


def _still_or_walking(
    rng: np.random.Generator, x: float, y: float, heading: float, speed: float
) -> Trajectory:
    """A path that puts the target at (x, y) at t = 0, walking or driving through it (or standing)."""
    if speed <= 0:
        return Trajectory(t_s=(0.0,), xy_m=((x, y),), rest_heading_deg=heading)
    d = np.array([math.sin(math.radians(heading)), math.cos(math.radians(heading))]) * speed * 10.0
    a = float(rng.uniform(0.5, 1.5))  # how far it has come: sets where in its stride a walker is
    return Trajectory(t_s=(-10.0 * a, 10.0), xy_m=((x - d[0] * a, y - d[1] * a), (x + d[0], y + d[1])))


def place_targets(
    rng: np.random.Generator,
    scene: SceneSpec,
    count: int,
    ground_at_pixel: Callable[[float, float], tuple[float, float] | None],
    image_size_px: tuple[int, int],
) -> tuple[Target, ...]:
    """``count`` targets over the ground a camera sees (``ground_at_pixel(u, v)`` → world metres),
    including some just past the frame edges so they are cut."""
    w, h = image_size_px
    placed: list[tuple[float, float, float]] = []  # x, y, clearance radius
    targets: list[Target] = []
    tries = 0
    while len(targets) < count and tries < count * 30:
        tries += 1
        u, v = float(rng.uniform(-0.06 * w, 1.06 * w)), float(rng.uniform(-0.06 * h, 1.06 * h))
        spot = ground_at_pixel(u, v)
        if spot is None:
            continue
        vehicle = rng.random() < 0.4
        if vehicle:
            kind = TargetKind(str(rng.choice(["car", "pickup", "suv"], p=[0.45, 0.3, 0.25])))
            if scene.road_heading_deg is not None and scene.background == "road" and rng.random() < 0.7:
                spot = _onto_road(scene, spot, rng)
                heading = (
                    scene.road_heading_deg + (180.0 if rng.random() < 0.5 else 0.0) + float(rng.normal(0, 4))
                )
            else:
                heading = float(rng.uniform(0, 360))
            group = [(spot, heading)]
            speed = 0.0 if rng.random() < 0.5 else float(rng.uniform(2, 12))
        else:
            kind = TargetKind.PERSON
            heading = float(rng.uniform(0, 360))
            size = 1 if rng.random() < 0.6 else int(rng.integers(2, 6))
            group = [(spot, heading)]
            for _ in range(size - 1):
                off = rng.normal(0, 1.4, 2)
                group.append(
                    ((spot[0] + float(off[0]), spot[1] + float(off[1])), heading + float(rng.normal(0, 15)))
                )
            speed = 0.0 if rng.random() < 0.3 else float(rng.uniform(0.8, 1.8))
        radius = 3.2 if vehicle else 0.45
        for (x, y), hd in group:
            if len(targets) >= count or any(
                math.hypot(x - px, y - py) < radius + pr for px, py, pr in placed
            ):
                continue
            placed.append((x, y, radius))
            targets.append(
                Target(
                    id=f"t{len(targets)}",
                    kind=kind,
                    look=random_look(rng, kind),
                    path=_still_or_walking(rng, x, y, hd % 360.0, speed),
                )
            )
    return tuple(targets)


def _onto_road(scene: SceneSpec, spot: tuple[float, float], rng: np.random.Generator) -> tuple[float, float]:
    road = scene.world.roads[0]
    (ax, ay), (bx, by) = road.xy_m[0], road.xy_m[-1]
    d = np.array([bx - ax, by - ay]) / math.hypot(bx - ax, by - ay)
    n = np.array([-d[1], d[0]])
    p = np.array(spot)
    along = float((p - [ax, ay]) @ d)
    lateral = float(rng.uniform(-0.25, 0.25)) * road.width_m
    q = np.array([ax, ay]) + d * along + n * lateral
    return float(q[0]), float(q[1])
