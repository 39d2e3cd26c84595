"""The one error base of ``detection``, and specific errors whose messages say what to do."""

from __future__ import annotations


class DetectionError(Exception):
    """Base of every error raised by ``detection``."""


class InvalidDetectionValueError(DetectionError, ValueError):
    """A value cannot exist: arrays of different lengths, a confidence of 1.5, a negative σ."""


class VideoSourceError(DetectionError):
    """A video source cannot be opened or read (says which URL and what to check)."""


class VideoTimeoutError(VideoSourceError, TimeoutError):
    """No frame arrived in time."""


class WeightsNotFoundError(DetectionError):
    """Model weights are not on this machine; borderwatch never downloads them."""

    def __init__(self, weights: str) -> None:
        self.weights = weights
        super().__init__(
            f"{weights} is not on this machine and borderwatch does not download; "
            "pass --weights PATH to a .pt you have, or run `borderwatch model train-demo` "
            "(or use the committed demo model: --weights demo)"
        )


class ModelError(DetectionError):
    """A model loaded but cannot be used as asked (unknown classes, bad image size...)."""


class PoseUnavailableError(DetectionError):
    """No camera pose for a frame's time (telemetry missing, too old or not yet received)."""


class GeotagError(DetectionError):
    """A pixel's ray does not meet the ground (above the horizon, or the camera below the ground)."""


class StoreError(DetectionError):
    """The sightings store cannot be opened or written."""


class StoreURLError(StoreError, ValueError):
    """A database URL is not understood (says which forms are)."""


class SchemaVersionError(StoreError):
    """The database was written by a newer borderwatch than this one."""


class NotFoundError(StoreError, KeyError):
    """A sighting, flight or event id is not in the store."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0]) if self.args else "not found"


class ExportError(DetectionError):
    """An export format is unknown or its output cannot be written."""


class TrainingError(DetectionError):
    """Training or evaluating the demo model cannot proceed (says what is missing)."""
