"""Small pure functions on (N, 4) xyxy pixel boxes."""

from __future__ import annotations

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) intersection over union of boxes ``a`` (N, 4) and ``b`` (M, 4).

    >>> box_iou(np.array([[0, 0, 10, 10]]), np.array([[5, 0, 15, 10], [20, 20, 30, 30]])).round(3).tolist()
    [[0.333, 0.0]]
    """
    inter = _intersection(a, b)
    area_a = _area(a)[:, None]
    area_b = _area(b)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(inter > 0, inter / (area_a + area_b - inter), 0.0)


def box_ios(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) intersection over the smaller box's area: 1 when one box lies inside the other.

    >>> box_ios(np.array([[0, 0, 10, 10]]), np.array([[0, 0, 5, 10]])).tolist()
    [[1.0]]
    """
    inter = _intersection(a, b)
    smaller = np.minimum(_area(a)[:, None], _area(b)[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(inter > 0, inter / smaller, 0.0)


def _area(b: np.ndarray) -> np.ndarray:
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def _intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    return wh[..., 0] * wh[..., 1]


def nms(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, threshold: float, metric: str = "iou"
) -> np.ndarray:
    """Indices kept by greedy class-wise non-maximum suppression, best score first. ``metric`` ``iou``,
    or ``ios`` to also drop a box mostly inside a better one (tiles cut objects into pieces).

    >>> nms(np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10]]), np.array([0.9, 0.8, 0.7]),
    ...     np.array([0, 0, 1]), 0.5).tolist()
    [0, 2]
    """
    order = np.argsort(-np.asarray(scores), kind="stable")
    boxes = np.asarray(boxes, dtype=np.float64)
    classes = np.asarray(classes)
    overlap = box_ios(boxes, boxes) if metric == "ios" else box_iou(boxes, boxes)
    keep: list[int] = []
    suppressed = np.zeros(len(boxes), dtype=bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(int(i))
        suppressed |= (overlap[i] > threshold) & (classes == classes[i])
    return np.array(keep, dtype=np.int64)


def tile_windows(
    width_px: int, height_px: int, tile_px: int, overlap_px: int
) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) windows of at most ``tile_px`` square covering the image with at least
    ``overlap_px`` overlap, spread evenly.

    >>> tile_windows(1280, 720, 720, 160)
    [(0, 0, 720, 720), (560, 0, 1280, 720)]
    """

    def starts(size: int) -> list[int]:
        if size <= tile_px:
            return [0]
        n = int(np.ceil((size - overlap_px) / (tile_px - overlap_px)))
        return [round(k * (size - tile_px) / (n - 1)) for k in range(n)]

    return [
        (x, y, min(x + tile_px, width_px), min(y + tile_px, height_px))
        for y in starts(height_px)
        for x in starts(width_px)
    ]
