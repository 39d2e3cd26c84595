"""Read the frame-time barcode a sender draws along the bottom of each frame (layout version 1).

The strip is the bottom 16 rows (8 for frames under 480 rows) across the full width; 136 cells of
``width // 160`` px, starting ``4`` cells from the left; a white cell is 1, black 0, most significant
bit first: magic 0xB7 (8 bits), frame index (u32), capture time in µs since the Unix epoch (u64),
CRC-32 (zlib/IEEE) of the 12 bytes index ‖ time (big-endian). Each cell is read as the mean luma of its
middle (2 px in from each side when cells are wider than 4 px, the middle half of the rows), 1 when above 127. A frame counts as
stamped only if the magic and the CRC match.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

_MAGIC = 0xB7
_N_BITS = 136


def decode_frame_stamp(image: np.ndarray) -> tuple[int, float] | None:
    """(frame index, capture time in Unix seconds) from a BGR or grey frame, or None if it carries no
    valid stamp.

    >>> decode_frame_stamp(np.zeros((720, 1280, 3), np.uint8)) is None
    True
    """
    h, w = image.shape[:2]
    cell = w // 160
    if cell < 1 or h < 16:
        return None
    strip = 16 if h >= 480 else 8
    rows = image[h - strip + strip // 4 : h - strip // 4]
    luma = rows.astype(np.float32) if rows.ndim == 2 else rows.astype(np.float32).mean(axis=2)
    x0 = 4 * cell
    cells = luma[:, x0 : x0 + _N_BITS * cell]
    if cells.shape[1] < _N_BITS * cell:
        return None
    cells = cells.reshape(luma.shape[0], _N_BITS, cell)
    if cell > 4:
        cells = cells[:, :, 2 : cell - 2]
    bits = cells.mean(axis=(0, 2)) > 127.0
    raw = np.packbits(bits.astype(np.uint8)).tobytes()
    if raw[0] != _MAGIC:
        return None
    body = raw[1:13]
    (crc,) = struct.unpack(">I", raw[13:17])
    if zlib.crc32(body) != crc:
        return None
    index, t_us = struct.unpack(">IQ", body)
    return index, t_us / 1e6
