"""The pilot's actions by name — what the console's buttons and ``borderwatch fly`` send."""

from __future__ import annotations

from collections.abc import Callable

from telemetry import commands
from telemetry.errors import LinkError
from telemetry.launch import launch_patrol
from telemetry.link import VehicleLink
from telemetry.state import VehicleState

ACTIONS = ("launch", "pause", "resume", "rtl", "land", "arm", "disarm")


def perform(
    link: VehicleLink,
    action: str,
    *,
    alt_rel_m: float = 60.0,
    hold_mode: str = "BRAKE",
    progress: Callable[[str, str], None] | None = None,
) -> VehicleState:
    """Do ``action`` and return the state once the vehicle confirmed it (raises with its reason if not)."""
    if action == "launch":
        launch_patrol(link, alt_rel_m=alt_rel_m, progress=progress)
    elif action == "pause":
        commands.pause(link, hold_mode=hold_mode)
    elif action == "resume":
        commands.resume(link)
    elif action == "rtl":
        commands.return_to_launch(link)
    elif action == "land":
        commands.land(link)
    elif action == "arm":
        commands.arm(link)
    elif action == "disarm":
        commands.disarm(link)
    else:
        raise LinkError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    return link.state()
