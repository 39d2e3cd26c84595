"""The one error base of ``sitl`` and the specific errors under it."""

from __future__ import annotations


class SimError(Exception):
    """Base of every error raised by ``sitl``."""


class SimConfigError(SimError, ValueError):
    """A simulator setting cannot work: a negative speed-up, a port out of range, a bad key."""


class SimPortError(SimError, OSError):
    """A simulated vehicle (or proxy) could not listen on its port (another process holds it?)."""


class ArduPilotError(SimError):
    """Real ArduPilot SITL could not be started or stopped (says which binary and what to check)."""


class WorldFileError(SimError, ValueError):
    """A world file (``--world F``) is malformed: says which file, where in it, and what is wrong."""


class RenderError(SimError):
    """The simulated camera cannot render a frame from what it was given (pose, camera, world)."""


class VideoStreamError(SimError):
    """The simulated video stream cannot run: ffmpeg missing, not starting, or a non-loopback address."""
