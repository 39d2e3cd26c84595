"""Video in: network streams, files and devices, each frame stamped with its capture time."""

from detection.video.barcode import decode_frame_stamp
from detection.video.source import SourceConfig, SourceStats, VideoSource

__all__ = ["SourceConfig", "SourceStats", "VideoSource", "decode_frame_stamp"]
