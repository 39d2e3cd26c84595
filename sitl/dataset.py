"""Labelled training frames for the detector, rendered by the simulated camera (YOLO format).

Layout written under ``out_dir``::

    data.yaml                     Ultralytics dataset file (absolute path, splits, names 0 person, 1 vehicle)
    images/{train,val,test}/NNNNNN.jpg
    labels/{train,val,test}/NNNNNN.txt   one "class cx cy w h" line per target (normalised 0..1)
    meta.jsonl                    per image: split, camera, altitude, gimbal, background, light, targets

Images come in scenes of ``SCENE_IMAGES`` (same ground, light and theme; new pose and targets each),
and a whole scene goes to one split, so validation never sees a training image's background. Poses
span 30–120 m above ground, gimbal pitch -90..-45°, any heading, the zoom camera mostly and the wide
one sometimes; backgrounds are desert, road, fence and scrub; 0–``max_targets`` targets, ~10 % of
images empty, people alone or in groups, vehicles on roads, some cut by the frame edges. Boxes are
the true drawn geometry clipped to the image; boxes under 3 px on a side, or showing less than a
quarter of the target, are left out. Some frames carry the video barcode strip (boxes stop above
it), some sensor noise, blur and JPEG loss. Everything is a function of ``seed``.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from missions.camera import PRESETS, CameraSpec
from missions.values import GeoPoint
from sitl.camera.barcode import draw_barcode, strip_height_px
from sitl.camera.renderer import Renderer
from sitl.camera.terrain import Terrain
from sitl.errors import SimConfigError
from sitl.pose import VehiclePose
from sitl.world.looks import CLASS_IDS, TargetClass
from sitl.world.scenes import SceneSpec, place_targets, random_scene

SCENE_IMAGES = 4
MIN_BOX_PX = 3.0
MIN_VISIBLE_SHARE = 0.25
SPLITS = ("train", "val", "test")


@dataclass(frozen=True, kw_only=True)
class DatasetSummary:
    """What was written: images per split, boxes per class, empty images, time taken."""

    out_dir: Path
    data_yaml: Path
    images_by_split: dict[str, int]
    boxes_by_class: dict[str, int]
    empty_images: int
    skipped_small_boxes: int
    elapsed_s: float

    @property
    def images(self) -> int:
        return sum(self.images_by_split.values())

    @property
    def images_per_minute(self) -> float:
        return 60.0 * self.images / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _camera(rng: np.random.Generator, image_size_px: tuple[int, int]) -> CameraSpec:
    base = PRESETS["zoom"] if rng.random() < 0.85 else PRESETS["wide"]
    w, h = image_size_px
    # Same lens and sensor width; the sensor height follows the requested aspect ratio.
    return replace(base, image_width_px=w, image_height_px=h, sensor_height_mm=base.sensor_width_mm * h / w)


def _split_of_scenes(scenes: int, val_share: float, test_share: float, rng: np.random.Generator) -> list[str]:
    order = rng.permutation(scenes)
    n_test = round(scenes * test_share)
    n_val = round(scenes * val_share)
    out = ["train"] * scenes
    for k, s in enumerate(order):
        out[s] = "test" if k < n_test else "val" if k < n_test + n_val else "train"
    return out


def _pose(rng: np.random.Generator, scene: SceneSpec) -> VehiclePose:
    alt = float(rng.triangular(30.0, 55.0, 120.0))
    pitch = float(rng.uniform(-90.0, -45.0)) if rng.random() < 0.7 else -90.0
    yaw = float(rng.uniform(0.0, 360.0))
    # Oblique cameras sit back from the scene centre so they look at it.
    back = alt / math.tan(math.radians(-pitch)) if pitch > -89.0 else 0.0
    cx, cy = scene.centre_xy_m
    jitter = rng.normal(0.0, 6.0, 2)
    x = cx - back * math.sin(math.radians(yaw)) + float(jitter[0])
    y = cy - back * math.cos(math.radians(yaw)) + float(jitter[1])
    g: GeoPoint = scene.world.frame.to_geo(x, y)
    ground = scene.world.ground.alt_amsl_m
    return VehiclePose(
        t_unix_s=0.0,
        lat_deg=g.lat_deg,
        lon_deg=g.lon_deg,
        alt_amsl_m=ground + alt,
        alt_rel_m=alt,
        roll_deg=0.0,
        pitch_deg=0.0,
        yaw_deg=yaw,
        gimbal_pitch_deg=pitch,
        gimbal_roll_deg=float(np.clip(rng.normal(0.0, 1.5), -4.0, 4.0)),
        gimbal_yaw_deg=yaw,
    )


def _target_count(rng: np.random.Generator, max_targets: int) -> int:
    if rng.random() < 0.1:
        return 0
    return int(
        min(max_targets, 1 + rng.geometric(0.28) - 1 + int(rng.random() < 0.3) * int(rng.integers(0, 4)))
    )


def _finish(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Camera imperfections: a little blur, sensor noise."""
    if rng.random() < 0.25:
        image = cv2.GaussianBlur(image, (0, 0), float(rng.uniform(0.5, 1.1)))
    sigma = float(rng.uniform(0.0, 4.0))
    if sigma > 0.5:
        noise = np.empty(image.shape, np.int16)
        cv2.randn(noise, 0, sigma)
        image = cv2.add(image.astype(np.int16), noise, dtype=cv2.CV_8U)
    return image


def write_dataset(
    out_dir: Path,
    images: int,
    seed: int,
    image_size_px: tuple[int, int] = (1280, 720),
    val_share: float = 0.15,
    test_share: float = 0.15,
    *,
    max_targets: int = 14,
    barcode_share: float = 0.25,
) -> DatasetSummary:
    """Render ``images`` labelled frames into ``out_dir`` (deterministic for a given ``seed``)."""
    if images < 1:
        raise SimConfigError(f"a dataset needs at least one image, got {images}")
    if not (0 <= val_share < 1 and 0 <= test_share < 1 and val_share + test_share < 1):
        raise SimConfigError(
            f"val and test shares must be in [0, 1) and leave some for training: {val_share}, {test_share}"
        )
    w, h = image_size_px
    if w < 640 or h < 64:
        raise SimConfigError(f"images must be at least 640 px wide (the barcode needs it), got {w}×{h}")
    out_dir = Path(out_dir)
    for split in SPLITS:
        (out_dir / "images" / split).mkdir(parents=True, exist_ok=True)
        (out_dir / "labels" / split).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    scenes = math.ceil(images / SCENE_IMAGES)
    splits = _split_of_scenes(scenes, val_share, test_share, np.random.default_rng([seed, 0xDA7A]))
    counts = {s: 0 for s in SPLITS}
    boxes = {c.value: 0 for c in TargetClass}
    empty = skipped = 0
    with (out_dir / "meta.jsonl").open("w", encoding="utf-8") as meta:
        for s in range(scenes):
            rng = np.random.default_rng([seed, s])
            scene = random_scene(rng)
            terrain = Terrain(scene.world, cache_tiles=160)
            for k in range(min(SCENE_IMAGES, images - s * SCENE_IMAGES)):
                index = s * SCENE_IMAGES + k
                split = splits[s]
                lines, n_skipped, info = _one_image(
                    rng,
                    scene,
                    terrain,
                    image_size_px,
                    max_targets,
                    barcode_share,
                    out_dir / "images" / split / f"{index:06d}.jpg",
                )
                (out_dir / "labels" / split / f"{index:06d}.txt").write_text("".join(lines), encoding="utf-8")
                counts[split] += 1
                skipped += n_skipped
                empty += not lines
                for line in lines:
                    boxes[
                        TargetClass.PERSON.value if line.startswith("0 ") else TargetClass.VEHICLE.value
                    ] += 1
                meta.write(
                    json.dumps({"image": f"images/{split}/{index:06d}.jpg", "split": split, **info}) + "\n"
                )
    data_yaml = out_dir / "data.yaml"
    names = "\n".join(f"  {i}: {c.value}" for c, i in sorted(CLASS_IDS.items(), key=lambda kv: kv[1]))
    data_yaml.write_text(
        f"# borderwatch rendered dataset: sitl.dataset.write_dataset(images={images}, seed={seed}, "
        f"image_size_px={w}x{h})\npath: {out_dir.resolve()}\ntrain: images/train\nval: images/val\n"
        f"test: images/test\nnc: {len(CLASS_IDS)}\nnames:\n{names}\n",
        encoding="utf-8",
    )
    return DatasetSummary(
        out_dir=out_dir,
        data_yaml=data_yaml,
        images_by_split=counts,
        boxes_by_class=boxes,
        empty_images=empty,
        skipped_small_boxes=skipped,
        elapsed_s=time.perf_counter() - started,
    )


def _one_image(
    rng: np.random.Generator,
    scene: SceneSpec,
    terrain: Terrain,
    size: tuple[int, int],
    max_targets: int,
    barcode_share: float,
    path: Path,
) -> tuple[list[str], int, dict]:
    w, h = size
    camera = _camera(rng, size)
    pose = _pose(rng, scene)
    probe = Renderer(scene.world, camera, terrain=terrain)
    view, enu_from_world = probe.view_for(pose)
    world_from_enu = np.linalg.inv(enu_from_world)

    def ground_at(u: float, v: float) -> tuple[float, float] | None:
        en = view.ground_points(np.array([[u, v]]))[0]
        if not np.all(np.isfinite(en)) or math.hypot(*en) > 600.0:
            return None
        x, y, _ = world_from_enu @ np.array([en[0], en[1], 1.0])
        return float(x), float(y)

    targets = place_targets(rng, scene, _target_count(rng, max_targets), ground_at, size)
    world = replace(scene.world, targets=targets)
    frame = Renderer(world, camera, terrain=terrain).render(pose, t_sim_s=0.0)
    image = frame.image
    bottom = float(h)
    if rng.random() < barcode_share:
        draw_barcode(
            image, frame_index=int(rng.integers(0, 2**31)), t_unix_us=int(rng.integers(1.6e15, 1.9e15))
        )
        bottom = float(h - strip_height_px(h))
    image = _finish(image, rng)
    cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(72, 96))])
    lines, skipped = [], 0
    for t in frame.truth.targets:
        x0, y0, x1, y1 = t.bbox_px
        full_area = (x1 - x0) * (y1 - y0) / t.visible_share if t.visible_share > 0 else 0.0
        y1 = min(y1, bottom)  # the barcode strip hides what is under it
        share = (x1 - x0) * max(0.0, y1 - y0) / full_area if full_area > 0 else 0.0
        if x1 - x0 < MIN_BOX_PX or y1 - y0 < MIN_BOX_PX or share < MIN_VISIBLE_SHARE:
            skipped += 1
            continue
        cls = CLASS_IDS[TargetClass(t.target_class)]
        lines.append(
            f"{cls} {(x0 + x1) / 2 / w:.6f} {(y0 + y1) / 2 / h:.6f} {(x1 - x0) / w:.6f} {(y1 - y0) / h:.6f}\n"
        )
    info = {
        "camera": camera.name,
        "alt_agl_m": round(pose.alt_rel_m, 2),
        "gimbal_pitch_deg": round(pose.gimbal_pitch_deg, 2),
        "gimbal_yaw_deg": round(pose.gimbal_yaw_deg, 2),
        "gsd_cm": round(camera.gsd_cm_px(pose.alt_rel_m), 3),
        "background": scene.background,
        "sun_elevation_deg": round(scene.world.lighting.sun_elevation_deg, 1),
        "brightness": round(scene.world.lighting.brightness, 3),
        "targets_placed": len(targets),
        "boxes": len(lines),
    }
    return lines, skipped, info
