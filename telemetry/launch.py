"""The composite "launch patrol": wait until ready to arm, GUIDED, arm, take off, AUTO.

Each step reports progress; a failure raises ``LaunchError`` naming the step and the vehicle's reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from telemetry import commands
from telemetry.errors import CommandRejectedError, LaunchError, LinkError
from telemetry.link import VehicleLink
from telemetry.state import VehicleState

STEPS = ("ready", "guided", "arm", "takeoff", "climb", "auto")
Progress = Callable[[str, str], None]


def ready_to_arm(state: VehicleState) -> bool:
    """EKF using GPS (flags 0x33f), a 3D fix, and home known: what ArduPilot needs before arming in GUIDED."""
    return state.ekf_ready and (state.gps_fix_type or 0) >= 3 and state.home is not None


def _wait(link: VehicleLink, predicate: Callable[[VehicleState], bool], timeout_s: float) -> VehicleState:
    deadline = time.monotonic() + timeout_s
    while True:
        state = link.state()
        if predicate(state):
            return state
        if time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def launch_patrol(
    link: VehicleLink,
    *,
    alt_rel_m: float,
    progress: Progress | None = None,
    ready_timeout_s: float = 120.0,
    climb_timeout_s: float = 60.0,
    arm_attempts: int = 3,
) -> None:
    say = progress or (lambda step, text: None)
    step = "ready"
    try:
        say(step, "waiting for the EKF to use GPS and for home")
        state = _wait(link, ready_to_arm, ready_timeout_s)
        if not ready_to_arm(state):
            missing = []
            if not state.ekf_ready:
                missing.append(
                    f"EKF not using GPS (flags {state.ekf_flags:#x})"
                    if state.ekf_flags is not None
                    else "no EKF status"
                )
            if (state.gps_fix_type or 0) < 3:
                missing.append(f"GPS fix type {state.gps_fix_type}")
            if state.home is None:
                missing.append("home not set")
            raise LaunchError(step, f"not ready to arm after {ready_timeout_s:.0f} s: {', '.join(missing)}")
        step = "guided"
        say(step, "switching to GUIDED")
        commands.set_mode(link, "GUIDED")
        step = "arm"
        for attempt in range(arm_attempts):
            say(step, "arming" if attempt == 0 else f"arming (attempt {attempt + 1})")
            try:
                commands.arm(link)
                break
            except CommandRejectedError as exc:
                if attempt == arm_attempts - 1:
                    raise
                say(step, f"refused: {'; '.join(exc.reasons) or exc.result}; retrying")
                time.sleep(1.0)
        step = "takeoff"
        say(step, f"taking off to {alt_rel_m:g} m")
        commands.takeoff(link, alt_rel_m)
        step = "climb"
        target = min(alt_rel_m * 0.5, 10.0)
        say(step, f"climbing (AUTO starts once above {target:g} m)")
        state = _wait(link, lambda s: (s.alt_rel_m or 0.0) >= target or not s.armed, climb_timeout_s)
        if not state.armed:
            raise LaunchError(step, "the vehicle disarmed during take-off")
        if (state.alt_rel_m or 0.0) < target:
            raise LaunchError(step, f"still at {state.alt_rel_m or 0:.1f} m after {climb_timeout_s:.0f} s")
        step = "auto"
        say(step, "starting the mission (AUTO)")
        commands.start_mission(link)
        say("done", "flying the mission")
    except LaunchError:
        raise
    except LinkError as exc:
        raise LaunchError(step, str(exc)) from exc
