"""The frame-time barcode: a black/white strip along the bottom of each video frame carrying the frame
index and its capture time, so a receiver that knows nothing of ``sitl`` can timestamp frames.

Layout (version 1)
------------------
* The strip is the bottom ``strip_h = 16`` rows of the frame (``8`` when the frame is under 480 rows
  tall), across the full width. At 1280×720 that is rows 704–719: exactly the last H.264 macroblock
  row. The whole strip is painted black first (quiet zone).
* Cells are ``cell_w = width // 160`` pixels wide (8 at 1280) and the strip's full height.
  Bit i occupies columns ``[x0 + i·cell_w, x0 + (i + 1)·cell_w)`` with ``x0 = 4·cell_w``
  (32 px at 1280). A cell is white (255, 255, 255) for 1 and black (0, 0, 0) for 0.
* 136 bits, most significant bit first, left to right:

  ====== ====== =====================================================================
  bits   width  field
  ====== ====== =====================================================================
  0–7    8      magic ``0xB7`` (10110111)
  8–39   32     frame index, unsigned, counts up by 1 per frame sent (wraps at 2³²)
  40–103 64     capture time, unsigned microseconds since the Unix epoch (UTC)
  104–135 32    CRC-32 of the 12 bytes ``index (big-endian u32) ‖ time_us (big-endian u64)``
  ====== ====== =====================================================================

  The CRC is the ubiquitous CRC-32 (IEEE 802.3; polynomial 0x04C11DB7, reflected in and out,
  init 0xFFFFFFFF, final XOR 0xFFFFFFFF): ``zlib.crc32`` in Python.
* Decoding: for each cell take the mean of the luma (or of B, G and R) over the cell's inner part
  (drop 2 px on each side and use the middle half of the rows); > 127 is 1. Accept a frame only when
  the magic matches and the CRC checks; a receiver should also require the index to increase (a
  corrupted frame can repeat the previous picture).

>>> import numpy as np
>>> frame = np.zeros((720, 1280, 3), np.uint8)
>>> draw_barcode(frame, frame_index=42, t_unix_us=1_763_790_000_123_456)
>>> decode_barcode(frame)
(42, 1763790000123456)
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

MAGIC = 0xB7
BITS = 136
CELLS_ACROSS = 160
LEFT_MARGIN_CELLS = 4


def strip_height_px(height_px: int) -> int:
    """Rows the strip takes at the bottom of a frame of ``height_px`` rows (16, or 8 under 480).

    >>> strip_height_px(720), strip_height_px(360)
    (16, 8)
    """
    return 16 if height_px >= 480 else 8


def cell_width_px(width_px: int) -> int:
    """Width of one bit cell: ``width // 160`` (8 at 1280); the frame must be at least 640 wide.

    >>> cell_width_px(1280)
    8
    """
    if width_px < 4 * CELLS_ACROSS:
        raise ValueError(f"the barcode needs a frame at least {4 * CELLS_ACROSS} px wide, got {width_px}")
    return width_px // CELLS_ACROSS


def payload_bits(frame_index: int, t_unix_us: int) -> np.ndarray:
    """The 136 bits (0/1, uint8) for a frame, MSB first: magic, index, time, CRC-32."""
    body = struct.pack(">IQ", frame_index & 0xFFFFFFFF, t_unix_us & 0xFFFFFFFFFFFFFFFF)
    data = bytes([MAGIC]) + body + struct.pack(">I", zlib.crc32(body))
    return np.unpackbits(np.frombuffer(data, np.uint8))


def draw_barcode(frame: np.ndarray, *, frame_index: int, t_unix_us: int) -> None:
    """Paint the strip into ``frame`` (H, W, 3 uint8 BGR) in place."""
    h, w = frame.shape[:2]
    sh, cw = strip_height_px(h), cell_width_px(w)
    strip = frame[h - sh :]
    strip[:] = 0
    bits = payload_bits(frame_index, t_unix_us)
    x0 = LEFT_MARGIN_CELLS * cw
    row = np.repeat(bits * np.uint8(255), cw)
    strip[:, x0 : x0 + len(row)] = row[None, :, None]


def decode_barcode(frame: np.ndarray) -> tuple[int, int] | None:
    """(frame_index, t_unix_us) from a decoded frame (BGR or grey), or None if absent or corrupt."""
    h, w = frame.shape[:2]
    sh, cw = strip_height_px(h), cell_width_px(w)
    grey = frame if frame.ndim == 2 else frame.mean(axis=2)
    band = grey[h - sh + sh // 4 : h - sh // 4].astype(np.float32)
    x0 = LEFT_MARGIN_CELLS * cw
    cells = band[:, x0 : x0 + BITS * cw].reshape(band.shape[0], BITS, cw)
    inner = cells[:, :, 2 : cw - 2] if cw > 4 else cells
    bits = (inner.mean(axis=(0, 2)) > 127).astype(np.uint8)
    data = np.packbits(bits).tobytes()
    if data[0] != MAGIC:
        return None
    body, crc = data[1:13], struct.unpack(">I", data[13:17])[0]
    if zlib.crc32(body) != crc:
        return None
    index, t_us = struct.unpack(">IQ", body)
    return index, t_us
