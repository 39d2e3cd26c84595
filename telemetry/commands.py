"""Commands with COMMAND_ACK, timeouts and retries, and the vehicle's own reason when it says no.

ArduPilot explains a refusal in STATUSTEXT (e.g. "Arm: Need Position Estimate") around its COMMAND_ACK;
those texts become the ``reasons`` of ``CommandRejectedError``. Mode changes are confirmed by the next
HEARTBEAT showing the new mode, arming by the armed flag.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from telemetry.errors import CommandRejectedError, CommandTimeoutError, LinkTimeoutError
from telemetry.link import VehicleLink, command_name, result_name
from telemetry.modes import mode_name, mode_number
from telemetry.state import VehicleState

MAV_CMD_NAV_TAKEOFF = 22
MAV_CMD_DO_SET_MODE = 176
MAV_CMD_DO_REPOSITION = 192
MAV_CMD_COMPONENT_ARM_DISARM = 400
MAV_CMD_MISSION_START = 300
MAV_RESULT_ACCEPTED = 0
MAV_RESULT_IN_PROGRESS = 5
MAV_MODE_FLAG_CUSTOM_MODE_ENABLED = 1
MAV_FRAME_GLOBAL_RELATIVE_ALT_INT = 6
FORCE_ARM_MAGIC = 21196.0


@dataclass(frozen=True, kw_only=True)
class CommandAck:
    command: str
    result: str
    attempts: int
    seconds: float


def _reasons(link: VehicleLink, since: float) -> tuple[str, ...]:
    texts = link.statustexts_since(since - link.config.statustext_window_s)
    return tuple(t.text for t in texts if t.severity <= 4)  # EMERGENCY..WARNING


def command_long(
    link: VehicleLink,
    command: int,
    params: tuple[float, ...] = (),
    *,
    timeout_s: float | None = None,
    retries: int | None = None,
) -> CommandAck:
    """Send COMMAND_LONG until acknowledged; raise with the vehicle's reason if refused."""
    timeout = link.config.command_timeout_s if timeout_s is None else timeout_s
    tries = link.config.command_retries if retries is None else retries
    p = (tuple(params) + (0.0,) * 7)[:7]
    system, component = link.target()
    name = command_name(command)
    started_wall = time.time()
    started = time.monotonic()
    with link.listen("COMMAND_ACK") as inbox:
        for attempt in range(tries + 1):
            link.send("command_long", system, component, command, attempt, *p)
            try:
                ack = inbox.get(timeout, lambda m: m.command == command)
            except LinkTimeoutError:
                continue
            while ack.result == MAV_RESULT_IN_PROGRESS:
                try:
                    ack = inbox.get(timeout * 4, lambda m: m.command == command)
                except LinkTimeoutError:
                    raise CommandTimeoutError(name, attempt + 1, timeout * 4) from None
            if ack.result != MAV_RESULT_ACCEPTED:
                time.sleep(0.2)  # ArduPilot may send its STATUSTEXT just after the ACK
                raise CommandRejectedError(name, result_name(ack.result), _reasons(link, started_wall))
            return CommandAck(
                command=name,
                result=result_name(ack.result),
                attempts=attempt + 1,
                seconds=time.monotonic() - started,
            )
    raise CommandTimeoutError(name, tries + 1, timeout)


def command_int(
    link: VehicleLink,
    command: int,
    frame: int,
    params: tuple[float, float, float, float],
    lat_deg: float,
    lon_deg: float,
    alt_m: float,
    *,
    timeout_s: float | None = None,
    retries: int | None = None,
) -> CommandAck:
    timeout = link.config.command_timeout_s if timeout_s is None else timeout_s
    tries = link.config.command_retries if retries is None else retries
    system, component = link.target()
    name = command_name(command)
    started_wall = time.time()
    started = time.monotonic()
    with link.listen("COMMAND_ACK") as inbox:
        for attempt in range(tries + 1):
            link.send(
                "command_int", system, component, frame, command, 0, 0, *params,
                round(lat_deg * 1e7), round(lon_deg * 1e7), alt_m,
            )  # fmt: skip
            try:
                ack = inbox.get(timeout, lambda m: m.command == command)
            except LinkTimeoutError:
                continue
            if ack.result != MAV_RESULT_ACCEPTED:
                time.sleep(0.2)
                raise CommandRejectedError(name, result_name(ack.result), _reasons(link, started_wall))
            return CommandAck(
                command=name,
                result=result_name(ack.result),
                attempts=attempt + 1,
                seconds=time.monotonic() - started,
            )
    raise CommandTimeoutError(name, tries + 1, timeout)


def wait_state(
    link: VehicleLink, predicate: Callable[[VehicleState], bool], timeout_s: float, what: str
) -> VehicleState:
    """Wait until the vehicle's state satisfies ``predicate`` (re-checked at every HEARTBEAT)."""
    deadline = time.monotonic() + timeout_s
    with link.listen("HEARTBEAT") as inbox:
        while True:
            state = link.state()
            if predicate(state):
                return state
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LinkTimeoutError(f"{what}: the vehicle did not confirm within {timeout_s:.1f} s")
            with contextlib.suppress(LinkTimeoutError):
                inbox.get(min(remaining, 0.5))


def set_mode(link: VehicleLink, name: str, *, timeout_s: float = 3.0) -> CommandAck:
    """Change flight mode by name (ArduCopter's table) and wait until the HEARTBEAT shows it."""
    number = mode_number(name)
    ack = command_long(link, MAV_CMD_DO_SET_MODE, (MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, number))
    wait_state(link, lambda s: s.mode == mode_name(number), timeout_s, f"mode {mode_name(number)}")
    return ack


def arm(link: VehicleLink, *, force: bool = False, timeout_s: float = 3.0) -> CommandAck:
    ack = command_long(link, MAV_CMD_COMPONENT_ARM_DISARM, (1.0, FORCE_ARM_MAGIC if force else 0.0))
    wait_state(link, lambda s: s.armed, timeout_s, "arm")
    return ack


def disarm(link: VehicleLink, *, force: bool = False, timeout_s: float = 3.0) -> CommandAck:
    ack = command_long(link, MAV_CMD_COMPONENT_ARM_DISARM, (0.0, FORCE_ARM_MAGIC if force else 0.0))
    wait_state(link, lambda s: not s.armed, timeout_s, "disarm")
    return ack


def takeoff(link: VehicleLink, alt_rel_m: float) -> CommandAck:
    return command_long(link, MAV_CMD_NAV_TAKEOFF, (0, 0, 0, float("nan"), 0, 0, alt_rel_m))


def start_mission(link: VehicleLink) -> CommandAck:
    """Fly the uploaded mission: AUTO (ArduCopter starts at the current item)."""
    return set_mode(link, "AUTO")


def pause(link: VehicleLink, *, hold_mode: str = "BRAKE") -> CommandAck:
    """Stop where it is (BRAKE, or LOITER); ``resume`` continues the mission at the same item."""
    return set_mode(link, hold_mode)


def resume(link: VehicleLink) -> CommandAck:
    return set_mode(link, "AUTO")


def return_to_launch(link: VehicleLink) -> CommandAck:
    return set_mode(link, "RTL")


def land(link: VehicleLink) -> CommandAck:
    return set_mode(link, "LAND")


def goto(
    link: VehicleLink, lat_deg: float, lon_deg: float, alt_rel_m: float, *, speed_m_s: float = -1.0
) -> CommandAck:
    """Fly to a point in GUIDED (MAV_CMD_DO_REPOSITION, acknowledged)."""
    if link.state().mode != "GUIDED":
        set_mode(link, "GUIDED")
    return command_int(
        link,
        MAV_CMD_DO_REPOSITION,
        MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
        (speed_m_s, 1.0, 0.0, float("nan")),
        lat_deg,
        lon_deg,
        alt_rel_m,
    )
