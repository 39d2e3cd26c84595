"""What the autopilot tells the ground station about, as values (the vehicle turns them into MAVLink)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class StatusText:
    """A STATUSTEXT: ``severity`` is MAV_SEVERITY (0 emergency .. 7 debug)."""

    severity: int
    text: str


@dataclass(frozen=True, kw_only=True)
class ItemReached:
    """MISSION_ITEM_REACHED for mission item ``seq``."""

    seq: int


@dataclass(frozen=True, kw_only=True)
class CurrentChanged:
    """The current mission item changed (MISSION_CURRENT is sent at once)."""

    seq: int


@dataclass(frozen=True, kw_only=True)
class HomeChanged:
    """Home was set or moved (HOME_POSITION is sent at once)."""


Event = StatusText | ItemReached | CurrentChanged | HomeChanged
