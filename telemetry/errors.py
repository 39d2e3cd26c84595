"""The link's one error base, and errors that say what failed and what a pilot can do about it."""

from __future__ import annotations


class LinkError(Exception):
    """Base of every error raised by ``telemetry``."""


class ConnectionStringError(LinkError, ValueError):
    """A connection string cannot be understood (says which forms are)."""


class NotConnectedError(LinkError):
    """The vehicle is not connected (never was, or the link dropped)."""


class LinkTimeoutError(LinkError, TimeoutError):
    """Nothing came back in time."""


class CommandTimeoutError(LinkTimeoutError):
    def __init__(self, command: str, attempts: int, timeout_s: float) -> None:
        self.command = command
        self.attempts = attempts
        super().__init__(
            f"{command}: no answer from the vehicle after {attempts} attempt(s) of {timeout_s:.1f} s; "
            "check the link (heartbeat age, packet loss)"
        )


class CommandRejectedError(LinkError):
    """The vehicle answered no; ``reasons`` are the STATUSTEXTs it sent around the refusal."""

    def __init__(self, command: str, result: str, reasons: tuple[str, ...] = ()) -> None:
        self.command = command
        self.result = result
        self.reasons = reasons
        why = "; ".join(reasons) if reasons else "the vehicle gave no reason"
        super().__init__(f"{command} refused ({result}): {why}")


class MissionTransferError(LinkError):
    """A mission, fence or rally transfer failed; ``result`` is the MISSION_ACK result name when there was one."""

    def __init__(self, operation: str, mission_type: str, problem: str, result: str | None = None) -> None:
        self.operation = operation
        self.mission_type = mission_type
        self.result = result
        super().__init__(f"{mission_type} {operation} failed: {problem}")


class UploadRefusedError(LinkError):
    """A plan with validation errors is not sent to the vehicle."""

    def __init__(self, messages: tuple[str, ...]) -> None:
        self.messages = messages
        super().__init__("upload refused, the plan has errors: " + "; ".join(messages))


class LaunchError(LinkError):
    """The composite launch stopped at ``step``; the cause says why."""

    def __init__(self, step: str, cause: str) -> None:
        self.step = step
        self.cause = cause
        super().__init__(f"launch stopped at '{step}': {cause}")


class TlogError(LinkError):
    """A .tlog cannot be read."""
