"""The detector: an Ultralytics YOLO model behind one method, ``detect(image) -> Detections``.

Weights by path, or ``demo`` for the committed demo model; a name that is not a file here is an error
that says what to do (borderwatch never downloads). The model's classes are mapped to ours: person;
car, truck, bus, motorcycle, bicycle (and our own ``vehicle``) → vehicle; boat; anything else dropped.
``tile_px`` > 0 runs sliced inference: overlapping square tiles at native resolution in one batch,
boxes shifted back and merged (class-wise NMS, then dropping pieces inside a better box).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detection.boxes import nms, tile_windows
from detection.errors import InvalidDetectionValueError, ModelError, WeightsNotFoundError
from detection.offline import ultralytics, use_all_cores
from detection.values import CLASS_IDS, Detections

DEMO_WEIGHTS = Path(__file__).resolve().parent / "data" / "borderwatch-demo.pt"
COCO_TO_OURS: dict[str, str] = {
    "person": "person",
    "pedestrian": "person",
    "people": "person",
    "car": "vehicle",
    "truck": "vehicle",
    "bus": "vehicle",
    "motorcycle": "vehicle",
    "motorbike": "vehicle",
    "bicycle": "vehicle",
    "van": "vehicle",
    "vehicle": "vehicle",
    "boat": "boat",
    "ship": "boat",
}


def resolve_weights(weights: str | Path) -> Path:
    """The file for ``weights``: ``demo``, or a path that exists; else ``WeightsNotFoundError``.

    >>> resolve_weights("yolo11n.pt")
    Traceback (most recent call last):
    ...
    detection.errors.WeightsNotFoundError: yolo11n.pt is not on this machine and borderwatch does not download; ...
    """
    if str(weights) == "demo":
        if not DEMO_WEIGHTS.exists():
            raise WeightsNotFoundError(str(DEMO_WEIGHTS))
        return DEMO_WEIGHTS
    path = Path(weights).expanduser()
    if path.is_file():
        return path
    raise WeightsNotFoundError(str(weights))


def class_lookup(model_names: dict[int, str], extra: dict[str, str] | None = None) -> np.ndarray:
    """Array mapping the model's class ids to ours (-1: not a class we report).

    >>> class_lookup({0: "person", 1: "bicycle", 2: "car", 3: "dog", 8: "boat"}).tolist()
    [0, 1, 1, -1, -1, -1, -1, -1, 2]
    """
    mapping = {**COCO_TO_OURS, **(extra or {})}
    lut = np.full(max(model_names) + 1 if model_names else 0, -1, dtype=np.int64)
    for i, name in model_names.items():
        ours = mapping.get(str(name).lower())
        if ours is not None:
            lut[int(i)] = CLASS_IDS[ours]
    return lut


@dataclass(frozen=True, kw_only=True)
class DetectorConfig:
    """``imgsz``: the model's input size (px, long side); ``conf``: minimum confidence; ``iou``: NMS
    threshold; ``device``: ``auto`` (CUDA when present), ``cpu``, ``cuda:0``...; ``tile_px``: 0 for whole
    frames, else the tile side for sliced inference, with ``tile_overlap_px`` overlap."""

    weights: str = "demo"
    imgsz: int = 1280
    conf: float = 0.25
    iou: float = 0.5
    device: str = "auto"
    tile_px: int = 0
    tile_overlap_px: int = 96
    class_map: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.imgsz < 32 or self.imgsz % 32:
            raise InvalidDetectionValueError(f"imgsz must be a multiple of 32 (≥ 32), got {self.imgsz}")
        if not 0 < self.conf < 1 or not 0 < self.iou < 1:
            raise InvalidDetectionValueError("conf and iou must be between 0 and 1")
        if self.tile_px and (self.tile_px < 64 or self.tile_overlap_px >= self.tile_px):
            raise InvalidDetectionValueError("tile_px must be ≥ 64 and larger than the overlap")


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


class Detector:
    """One YOLO model, ready to ``detect`` BGR frames. Not thread-safe: one per pipeline."""

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self.weights = resolve_weights(self.config.weights)
        yolo = ultralytics()
        try:
            self.model = yolo.YOLO(str(self.weights), task="detect")
        except Exception as exc:  # a corrupt or foreign file: say which
            raise ModelError(f"cannot load {self.weights} as a YOLO detection model: {exc}") from exc
        self.device = pick_device(self.config.device)
        names = {int(k): str(v) for k, v in dict(self.model.names).items()}
        self.model_names = names
        self.lut = class_lookup(names, dict(self.config.class_map))
        if not np.any(self.lut >= 0):
            raise ModelError(
                f"{self.weights} detects {sorted(set(names.values()))}, none of which is a person, vehicle or boat; "
                "pass a class map (model class → person/vehicle/boat)"
            )
        self.last_inference_s = 0.0
        self._warm = False

    def warmup(self, size_px: tuple[int, int] = (1280, 720)) -> None:
        """One throw-away inference (model fusion, device selection), then all cores for torch."""
        self.detect(np.zeros((size_px[1], size_px[0], 3), np.uint8))

    def detect(self, image: np.ndarray) -> Detections:
        """Detections (our classes only) in a BGR uint8 frame, in that frame's pixel coordinates."""
        t0 = time.perf_counter()
        cfg = self.config
        if cfg.tile_px:
            windows = tile_windows(image.shape[1], image.shape[0], cfg.tile_px, cfg.tile_overlap_px)
            crops = [np.ascontiguousarray(image[y0:y1, x0:x1]) for x0, y0, x1, y1 in windows]
            results = self._predict(crops, cfg.tile_px)
            parts = []
            for (x0, y0, _, _), r in zip(windows, results, strict=True):
                xyxy, conf, cls = r
                parts.append((xyxy + np.array([x0, y0, x0, y0], dtype=np.float32), conf, cls))
            xyxy = np.concatenate([p[0] for p in parts])
            conf = np.concatenate([p[1] for p in parts])
            cls = np.concatenate([p[2] for p in parts])
            if len(windows) > 1 and len(xyxy):
                keep = nms(xyxy, conf, cls, cfg.iou)
                xyxy, conf, cls = xyxy[keep], conf[keep], cls[keep]
                keep = nms(xyxy, conf, cls, 0.8, metric="ios")
                xyxy, conf, cls = xyxy[keep], conf[keep], cls[keep]
        else:
            xyxy, conf, cls = self._predict([image], cfg.imgsz)[0]
        ours = self.lut[cls] if len(cls) else cls
        mask = ours >= 0
        dets = Detections(xyxy_px=xyxy[mask], confidence=conf[mask], class_id=ours[mask])
        self.last_inference_s = time.perf_counter() - t0
        return dets

    def _predict(
        self, images: list[np.ndarray], imgsz: int
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        results = self.model.predict(
            images, imgsz=imgsz, conf=self.config.conf, iou=self.config.iou, device=self.device, verbose=False
        )
        if not self._warm:
            use_all_cores()  # Ultralytics set one thread while selecting the device
            self._warm = True
        out = []
        for r in results:
            b = r.boxes
            out.append(
                (
                    b.xyxy.cpu().numpy().astype(np.float32).reshape(-1, 4),
                    b.conf.cpu().numpy().astype(np.float32),
                    b.cls.cpu().numpy().astype(np.int64),
                )
            )
        return out
