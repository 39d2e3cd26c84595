"""What targets look like from above: sizes at physical scale and colours, drawn from realistic palettes.

Colours are BGR byte triples (OpenCV order). Sizes are metres: a person's shoulder width is
~0.42–0.52 m, a car 4.5 × 1.8 m, a pickup 5.3 × 2.0 m, an SUV 4.8 × 1.95 m.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

BGR = tuple[int, int, int]


class TargetClass(StrEnum):
    """The ground-truth class: what the detector must say (YOLO ids 0 and 1)."""

    PERSON = "person"
    VEHICLE = "vehicle"


class TargetKind(StrEnum):
    """The drawn kind: a person, or one of the vehicle bodies."""

    PERSON = "person"
    CAR = "car"
    PICKUP = "pickup"
    SUV = "suv"

    @property
    def target_class(self) -> TargetClass:
        return TargetClass.PERSON if self is TargetKind.PERSON else TargetClass.VEHICLE


CLASS_IDS: dict[TargetClass, int] = {TargetClass.PERSON: 0, TargetClass.VEHICLE: 1}


@dataclass(frozen=True, kw_only=True)
class PersonLook:
    """A person from above: torso (shoulders), head or hat, optional backpack; height casts the shadow."""

    shirt_bgr: BGR
    pants_bgr: BGR
    skin_bgr: BGR
    head_bgr: BGR  # hair, or the hat when there is one
    hat: str = "none"  # none | cap | wide
    backpack_bgr: BGR | None = None
    shoulder_width_m: float = 0.48
    torso_depth_m: float = 0.27
    height_m: float = 1.72


@dataclass(frozen=True, kw_only=True)
class VehicleLook:
    """A vehicle from above: body outline, glass, roof; a pickup also has an open bed."""

    body_bgr: BGR
    glass_bgr: BGR
    length_m: float
    width_m: float
    height_m: float


Look = PersonLook | VehicleLook

# Clothing skews to the earth tones and darks worn in the desert, with some bright outliers.
_SHIRTS: tuple[BGR, ...] = (
    (235, 235, 235), (30, 30, 30), (60, 60, 60), (120, 120, 120), (90, 45, 25), (40, 80, 60),
    (60, 100, 120), (110, 150, 175), (150, 185, 205), (40, 40, 160), (160, 90, 40), (50, 120, 200),
    (80, 60, 100), (30, 60, 30), (140, 120, 100), (200, 200, 180),
)  # fmt: skip
_PANTS: tuple[BGR, ...] = (
    (90, 60, 40), (40, 40, 40), (70, 90, 100), (110, 140, 160), (30, 50, 40), (120, 110, 100),
)  # fmt: skip
_SKIN: tuple[BGR, ...] = ((90, 125, 170), (70, 100, 140), (120, 160, 205), (50, 70, 100))
_HAIR: tuple[BGR, ...] = ((20, 20, 25), (30, 40, 55), (15, 15, 15), (60, 80, 100))
_HATS: tuple[BGR, ...] = ((170, 200, 220), (40, 40, 40), (200, 200, 200), (60, 90, 40), (40, 40, 150))
_PACKS: tuple[BGR, ...] = ((30, 30, 30), (50, 70, 60), (100, 70, 40), (40, 40, 120), (110, 130, 140))
# Vehicle paint by rough market share: white, silver, black, grey lead.
_PAINT: tuple[tuple[BGR, float], ...] = (
    ((238, 238, 236), 0.24), ((190, 190, 188), 0.15), ((25, 25, 28), 0.17), ((105, 105, 110), 0.14),
    ((35, 35, 165), 0.08), ((140, 70, 20), 0.08), ((40, 70, 40), 0.03), ((150, 185, 205), 0.04),
    ((40, 30, 110), 0.04), ((60, 150, 220), 0.03),
)  # fmt: skip
_SIZES = {
    TargetKind.CAR: ((4.3, 4.8), (1.75, 1.85), (1.40, 1.50)),
    TargetKind.PICKUP: ((5.2, 5.8), (1.95, 2.05), (1.75, 1.90)),
    TargetKind.SUV: ((4.6, 5.1), (1.85, 2.0), (1.70, 1.85)),
}


def _pick(rng: np.random.Generator, options: tuple[BGR, ...], jitter: int = 12) -> BGR:
    base = np.array(options[int(rng.integers(len(options)))], dtype=float)
    c = np.clip(base + rng.normal(0.0, jitter, 3), 0, 255)
    return (int(c[0]), int(c[1]), int(c[2]))


def random_person_look(rng: np.random.Generator) -> PersonLook:
    """A person with random clothing, build and accessories.

    >>> look = random_person_look(np.random.default_rng(1))
    >>> 0.4 < look.shoulder_width_m < 0.55, look.hat in ("none", "cap", "wide")
    (True, True)
    """
    hat = str(rng.choice(["none", "cap", "wide"], p=[0.5, 0.3, 0.2]))
    return PersonLook(
        shirt_bgr=_pick(rng, _SHIRTS),
        pants_bgr=_pick(rng, _PANTS),
        skin_bgr=_pick(rng, _SKIN, 8),
        head_bgr=_pick(rng, _HAIR, 6) if hat == "none" else _pick(rng, _HATS),
        hat=hat,
        backpack_bgr=_pick(rng, _PACKS) if rng.random() < 0.45 else None,
        shoulder_width_m=float(rng.uniform(0.42, 0.52)),
        torso_depth_m=float(rng.uniform(0.24, 0.30)),
        height_m=float(rng.uniform(1.55, 1.88)),
    )


def random_vehicle_look(rng: np.random.Generator, kind: TargetKind) -> VehicleLook:
    """A vehicle of ``kind`` (car, pickup, SUV) with a random paint and size within its type.

    >>> look = random_vehicle_look(np.random.default_rng(2), TargetKind.CAR)
    >>> 4.2 < look.length_m < 4.9 and 1.7 < look.width_m < 1.9
    True
    """
    if kind is TargetKind.PERSON:
        raise ValueError("random_vehicle_look needs a vehicle kind (car, pickup, suv)")
    colours, weights = zip(*_PAINT, strict=True)
    p = np.array(weights) / sum(weights)
    base = np.array(colours[int(rng.choice(len(colours), p=p))], dtype=float)
    paint = np.clip(base * rng.uniform(0.9, 1.08) + rng.normal(0, 6, 3), 0, 255)
    (l0, l1), (w0, w1), (h0, h1) = _SIZES[kind]
    glass = int(rng.uniform(25, 60))
    return VehicleLook(
        body_bgr=(int(paint[0]), int(paint[1]), int(paint[2])),
        glass_bgr=(glass + 8, glass + 4, glass),
        length_m=float(rng.uniform(l0, l1)),
        width_m=float(rng.uniform(w0, w1)),
        height_m=float(rng.uniform(h0, h1)),
    )


def random_look(rng: np.random.Generator, kind: TargetKind) -> Look:
    """A random look for any kind."""
    return random_person_look(rng) if kind is TargetKind.PERSON else random_vehicle_look(rng, kind)
