"""pymavlink as a codec, pinned in one place for the simulator: the ardupilotmega dialect, MAVLink 2.

The simulator is a MAVLink peer of its own: it uses pymavlink only to pack and parse frames (one
``MAVLink`` object per connection, which carries the sequence number and the signing state), never
``mavutil`` and never the ground station's code.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pymavlink.dialects.v20 import ardupilotmega as mavlink

__all__ = ["MAV_RESULT", "MAV_SEVERITY", "mavlink", "new_codec", "signing_timestamp_now"]

# The dialect module is the MAVLink 2 build; every frame the simulator sends is v2 (it parses v1 too).
WIRE_PROTOCOL = "2.0"


class MAV_RESULT:
    ACCEPTED = mavlink.MAV_RESULT_ACCEPTED
    TEMPORARILY_REJECTED = mavlink.MAV_RESULT_TEMPORARILY_REJECTED
    DENIED = mavlink.MAV_RESULT_DENIED
    UNSUPPORTED = mavlink.MAV_RESULT_UNSUPPORTED
    FAILED = mavlink.MAV_RESULT_FAILED


class MAV_SEVERITY:
    EMERGENCY = 0
    ALERT = 1
    CRITICAL = 2
    ERROR = 3
    WARNING = 4
    NOTICE = 5
    INFO = 6
    DEBUG = 7


# MAVLink signing timestamps count 10 µs ticks since 2015-01-01 00:00:00 UTC.
_SIGNING_EPOCH_UNIX_S = 1420070400.0


def signing_timestamp_now() -> int:
    """The current MAVLink 2 signing timestamp (10 µs units since 2015-01-01)."""
    return int((time.time() - _SIGNING_EPOCH_UNIX_S) * 100_000)


class _Sink:
    """The file-like object a pymavlink ``MAVLink`` writes packed frames to."""

    def __init__(self, write: Callable[[bytes], None]) -> None:
        self.write = write


def new_codec(*, sysid: int, compid: int, write: Callable[[bytes], None]) -> mavlink.MAVLink:
    """A MAVLink 2 codec whose packed frames go to ``write``; parse with ``parse_buffer``."""
    mav = mavlink.MAVLink(_Sink(write), srcSystem=sysid, srcComponent=compid)
    mav.robust_parsing = True
    assert mavlink.WIRE_PROTOCOL_VERSION == WIRE_PROTOCOL
    return mav
