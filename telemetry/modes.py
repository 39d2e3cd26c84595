"""ArduCopter's flight modes (custom_mode numbers), by name.

>>> COPTER_MODES["BRAKE"], mode_name(4)
(17, 'GUIDED')
"""

from __future__ import annotations

from telemetry.errors import LinkError

COPTER_MODES: dict[str, int] = {
    "STABILIZE": 0,
    "ACRO": 1,
    "ALT_HOLD": 2,
    "AUTO": 3,
    "GUIDED": 4,
    "LOITER": 5,
    "RTL": 6,
    "CIRCLE": 7,
    "LAND": 9,
    "DRIFT": 11,
    "SPORT": 13,
    "FLIP": 14,
    "AUTOTUNE": 15,
    "POSHOLD": 16,
    "BRAKE": 17,
    "THROW": 18,
    "AVOID_ADSB": 19,
    "GUIDED_NOGPS": 20,
    "SMART_RTL": 21,
    "FLOWHOLD": 22,
    "FOLLOW": 23,
    "ZIGZAG": 24,
    "SYSTEMID": 25,
    "AUTOROTATE": 26,
    "AUTO_RTL": 27,
}
_BY_NUMBER = {v: k for k, v in COPTER_MODES.items()}


def mode_number(name: str) -> int:
    try:
        return COPTER_MODES[name.upper()]
    except KeyError:
        raise LinkError(f"unknown ArduCopter mode {name!r}; known: {', '.join(COPTER_MODES)}") from None


def mode_name(number: int) -> str:
    return _BY_NUMBER.get(number, f"MODE_{number}")
