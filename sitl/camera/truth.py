"""Per-frame ground truth: which targets the camera saw, where they truly were, and their boxes.

Written as JSON Lines by the streamer, one object per frame::

    {"frame_index": 12, "t_unix_s": 1763790000.123456, "t_sim_s": 1.2,
     "image_size_px": [1280, 720],
     "pose": {"lat_deg": .., "lon_deg": .., "alt_amsl_m": .., "alt_rel_m": .., "roll_deg": ..,
              "pitch_deg": .., "yaw_deg": .., "gimbal_pitch_deg": .., "gimbal_roll_deg": ..,
              "gimbal_yaw_deg": .., "t_unix_s": ..},
     "targets": [{"id": "p1", "class": "person", "kind": "person", "lat_deg": .., "lon_deg": ..,
                  "alt_amsl_m": .., "heading_deg": .., "speed_m_s": ..,
                  "bbox_px": [x_min, y_min, x_max, y_max], "centre_px": [u, v],
                  "truncated": false, "visible_share": 1.0}]}

``pose`` is null when the vehicle had no pose (the frame is then a blank "no signal" picture).
Boxes are in continuous pixel coordinates (the image spans [0, W] × [0, H]), tight around the
target's drawn body (not its shadow), clipped to the image; ``truncated`` says the clip cut it and
``visible_share`` is the clipped box area over the full box area. ``centre_px`` is the projection
of the true ground position (may lie outside the image for truncated targets).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sitl.pose import VehiclePose


@dataclass(frozen=True, kw_only=True)
class TargetTruth:
    """One target in one frame."""

    id: str
    target_class: str
    kind: str
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    heading_deg: float
    speed_m_s: float
    bbox_px: tuple[float, float, float, float]
    centre_px: tuple[float, float]
    truncated: bool
    visible_share: float

    @property
    def width_px(self) -> float:
        return self.bbox_px[2] - self.bbox_px[0]

    @property
    def height_px(self) -> float:
        return self.bbox_px[3] - self.bbox_px[1]

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "class": self.target_class,
            "kind": self.kind,
            "lat_deg": round(self.lat_deg, 9),
            "lon_deg": round(self.lon_deg, 9),
            "alt_amsl_m": round(self.alt_amsl_m, 3),
            "heading_deg": round(self.heading_deg, 2),
            "speed_m_s": round(self.speed_m_s, 3),
            "bbox_px": [round(v, 2) for v in self.bbox_px],
            "centre_px": [round(v, 2) for v in self.centre_px],
            "truncated": self.truncated,
            "visible_share": round(self.visible_share, 3),
        }


@dataclass(frozen=True, kw_only=True)
class FrameTruth:
    """Everything true about one frame."""

    frame_index: int
    t_unix_s: float
    t_sim_s: float
    image_size_px: tuple[int, int]
    pose: VehiclePose | None
    targets: tuple[TargetTruth, ...]

    def as_json(self) -> dict:
        return {
            "frame_index": self.frame_index,
            "t_unix_s": round(self.t_unix_s, 6),
            "t_sim_s": round(self.t_sim_s, 4),
            "image_size_px": list(self.image_size_px),
            "pose": asdict(self.pose) if self.pose is not None else None,
            "targets": [t.as_json() for t in self.targets],
        }

    def json_line(self) -> str:
        return json.dumps(self.as_json(), separators=(",", ":")) + "\n"
