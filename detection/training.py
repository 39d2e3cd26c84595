"""Training helpers for the demo model, given a YOLO-format dataset on disk (no simulator here).

* ``crop_dataset``: cuts native-resolution squares out of each labelled frame, mostly around objects
  (boxes clipped; a box stays only if most of it is inside), so a model trained on small crops sees
  objects at the size they have in the full frame and then runs on whole frames at ``imgsz`` = width.
* ``train``: Ultralytics training from a model yaml (random weights: nothing is downloaded).
* ``evaluate``: mAP50 per class on a split.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from detection.errors import TrainingError
from detection.offline import ultralytics, use_all_cores

SPLITS = ("train", "val", "test")


@dataclass(frozen=True, kw_only=True)
class CropSummary:
    data_yaml: Path
    crops_by_split: dict[str, int]
    boxes_by_split: dict[str, int]


def _read_labels(path: Path, w: int, h: int) -> np.ndarray:
    """(N, 5) class, x0, y0, x1, y1 in pixels from a YOLO label file."""
    if not path.exists() or not path.read_text().strip():
        return np.zeros((0, 5))
    rows = np.loadtxt(path, ndmin=2)
    cx, cy, bw, bh = rows[:, 1] * w, rows[:, 2] * h, rows[:, 3] * w, rows[:, 4] * h
    return np.column_stack([rows[:, 0], cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2])


def _crop_windows(
    labels: np.ndarray, w: int, h: int, crop_px: int, per_image: int, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Top-left corners of ``per_image`` crops: centred (with jitter) on random objects, or anywhere
    when the image has none; and one crop anywhere, so the model also sees plain ground."""
    corners = []
    for _ in range(per_image):
        if len(labels):
            c = labels[rng.integers(len(labels))]
            cx, cy = (
                (c[1] + c[3]) / 2 + rng.normal(0, crop_px / 5),
                (c[2] + c[4]) / 2 + rng.normal(0, crop_px / 5),
            )
        else:
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        corners.append((cx - crop_px / 2, cy - crop_px / 2))
    if len(labels):
        corners.append((rng.uniform(0, w - crop_px), rng.uniform(0, h - crop_px)))
    return [(int(np.clip(x, 0, w - crop_px)), int(np.clip(y, 0, h - crop_px))) for x, y in corners]


def crop_dataset(
    src: Path,
    dst: Path,
    *,
    crop_px: int = 320,
    crops_per_image: int = 2,
    min_inside: float = 0.6,
    seed: int = 0,
    names: dict[int, str] | None = None,
) -> CropSummary:
    """Cut native-resolution ``crop_px`` squares out of every image of ``src`` (``images/<split>/*.jpg`` +
    ``labels/<split>/*.txt``) into ``dst`` with its own ``data.yaml``: ``crops_per_image`` around objects
    plus one anywhere. Boxes less than ``min_inside`` inside a crop are left out of it (and cut ones
    clipped). Training on crops at native scale costs a fraction of whole frames and lets the model
    run on whole frames at their own resolution."""
    src, dst = Path(src), Path(dst)
    if not (src / "images").is_dir():
        raise TrainingError(f"{src} is not a YOLO dataset (no images/ folder); render one first")
    rng = np.random.default_rng(seed)
    crops: dict[str, int] = {}
    boxes: dict[str, int] = {}
    for split in SPLITS:
        (dst / "images" / split).mkdir(parents=True, exist_ok=True)
        (dst / "labels" / split).mkdir(parents=True, exist_ok=True)
        crops[split] = boxes[split] = 0
        for img_path in sorted((src / "images" / split).glob("*.jpg")):
            image = cv2.imread(str(img_path))
            if image is None:
                raise TrainingError(f"cannot read {img_path}")
            h, w = image.shape[:2]
            labels = _read_labels(src / "labels" / split / f"{img_path.stem}.txt", w, h)
            for k, (x0, y0) in enumerate(_crop_windows(labels, w, h, crop_px, crops_per_image, rng)):
                x1, y1 = x0 + crop_px, y0 + crop_px
                lines = []
                for c, a0, b0, a1, b1 in labels:
                    area = max((a1 - a0) * (b1 - b0), 1e-9)
                    c0, d0, c1, d1 = max(a0, x0), max(b0, y0), min(a1, x1), min(b1, y1)
                    if c1 <= c0 or d1 <= d0 or (c1 - c0) * (d1 - d0) / area < min_inside:
                        continue
                    lines.append(
                        f"{int(c)} {((c0 + c1) / 2 - x0) / crop_px:.6f} {((d0 + d1) / 2 - y0) / crop_px:.6f} "
                        f"{(c1 - c0) / crop_px:.6f} {(d1 - d0) / crop_px:.6f}\n"
                    )
                name = f"{img_path.stem}_{k}"
                cv2.imwrite(
                    str(dst / "images" / split / f"{name}.jpg"),
                    image[y0:y1, x0:x1],
                    [cv2.IMWRITE_JPEG_QUALITY, 95],
                )
                (dst / "labels" / split / f"{name}.txt").write_text("".join(lines))
                crops[split] += 1
                boxes[split] += len(lines)
    names = names or {0: "person", 1: "vehicle"}
    yaml = dst / "data.yaml"
    yaml.write_text(
        f"path: {dst.resolve()}\ntrain: images/train\nval: images/val\ntest: images/test\nnc: {len(names)}\nnames:\n"
        + "".join(f"  {i}: {n}\n" for i, n in sorted(names.items()))
    )
    return CropSummary(data_yaml=yaml, crops_by_split=crops, boxes_by_split=boxes)


@dataclass(frozen=True, kw_only=True)
class TrainResult:
    weights: Path
    epochs: int
    imgsz: int
    elapsed_s: float
    run_dir: Path


def train(
    data_yaml: Path,
    *,
    model_yaml: str = "yolov8n.yaml",
    epochs: int = 30,
    imgsz: int = 640,
    batch: int = 16,
    run_dir: Path,
    seed: int = 0,
    workers: int = 2,
    patience: int = 100,
    cache: bool = True,
) -> TrainResult:
    """Train from ``model_yaml`` (random init) on ``data_yaml``; returns the best weights' path."""
    yolo = ultralytics()
    model = yolo.YOLO(model_yaml, task="detect")
    t0 = time.perf_counter()
    run_dir = Path(run_dir).resolve()
    if run_dir.exists():
        shutil.rmtree(run_dir)
    use_all_cores()
    model.train(
        data=str(data_yaml), epochs=epochs, imgsz=imgsz, batch=batch, device="cpu", workers=workers, seed=seed,
        project=str(run_dir.parent), name=run_dir.name, exist_ok=True, plots=False, amp=False, patience=patience,
        cache="ram" if cache else False, verbose=False, pretrained=False, deterministic=False,
        # synthetic top-down scenes: no flips of the sky, heavy mosaic, mild scale
        fliplr=0.5, flipud=0.5, degrees=0.0, mosaic=1.0, scale=0.3, close_mosaic=max(1, epochs // 10),
    )  # fmt: skip
    best = run_dir / "weights" / "best.pt"
    if not best.exists():
        raise TrainingError(f"training finished without {best}; see {run_dir}")
    return TrainResult(
        weights=best, epochs=epochs, imgsz=imgsz, elapsed_s=time.perf_counter() - t0, run_dir=run_dir
    )


def evaluate(
    weights: Path, data_yaml: Path, *, split: str = "test", imgsz: int = 640, conf: float = 0.001
) -> dict[str, float]:
    """mAP50 per class (by the dataset's names) and ``all`` on ``split``."""
    yolo = ultralytics()
    model = yolo.YOLO(str(weights), task="detect")
    metrics = model.val(data=str(data_yaml), split=split, imgsz=imgsz, batch=8, conf=conf, device="cpu",
                        plots=False, verbose=False, workers=0, rect=True)  # fmt: skip
    names = metrics.names
    out = {"all": float(metrics.box.map50)}
    for i, c in enumerate(metrics.box.ap_class_index):
        out[names[int(c)]] = float(metrics.box.ap50[i])
    return out
