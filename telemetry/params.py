"""Reading and setting vehicle parameters (PARAM_REQUEST_READ / PARAM_SET, confirmed by PARAM_VALUE)."""

from __future__ import annotations

from telemetry.errors import LinkError, LinkTimeoutError
from telemetry.link import VehicleLink

MAV_PARAM_TYPE_REAL32 = 9


def _name(msg) -> str:
    raw = msg.param_id
    return (raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw).rstrip("\x00")


def get_param(link: VehicleLink, name: str, *, timeout_s: float = 1.5, retries: int = 3) -> float:
    system, component = link.target()
    with link.listen("PARAM_VALUE") as inbox:
        for _ in range(retries + 1):
            link.send("param_request_read", system, component, name.encode("ascii"), -1)
            try:
                return float(inbox.get(timeout_s, lambda m: _name(m) == name).param_value)
            except LinkTimeoutError:
                continue
    raise LinkTimeoutError(f"parameter {name}: no PARAM_VALUE after {retries + 1} requests")


def set_param(
    link: VehicleLink, name: str, value: float, *, timeout_s: float = 1.5, retries: int = 3
) -> float:
    """Set a parameter and return the value the vehicle confirms (it may round or refuse it)."""
    if len(name) > 16:
        raise LinkError(f"parameter names are at most 16 characters: {name!r}")
    system, component = link.target()
    with link.listen("PARAM_VALUE") as inbox:
        for _ in range(retries + 1):
            link.send(
                "param_set", system, component, name.encode("ascii"), float(value), MAV_PARAM_TYPE_REAL32
            )
            try:
                confirmed = float(inbox.get(timeout_s, lambda m: _name(m) == name).param_value)
            except LinkTimeoutError:
                continue
            if abs(confirmed - value) > 1e-3 * max(1.0, abs(value)):
                raise LinkError(f"parameter {name}: asked {value:g}, the vehicle kept {confirmed:g}")
            return confirmed
    raise LinkTimeoutError(f"parameter {name}: no PARAM_VALUE after {retries + 1} attempts")
