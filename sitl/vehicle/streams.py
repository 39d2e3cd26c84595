"""Which telemetry a connection asked for, and when each message is due (simulated time).

Like ArduPilot, nothing but HEARTBEAT (1 Hz) flows until the ground station asks: REQUEST_DATA_STREAM
sets the rate of one of ArduCopter's stream groups (0 = all of them), MAV_CMD_SET_MESSAGE_INTERVAL
the interval of one message. Rates are in simulated time, as ArduPilot's scheduler runs under SITL;
the server sends each message at most once per tick.
"""

from __future__ import annotations

from sitl.vehicle.codec import mavlink

# ArduCopter's stream groups (GCS_Mavlink.cpp), limited to the messages the simulator builds.
STREAM_GROUPS: dict[int, tuple[str, ...]] = {
    mavlink.MAV_DATA_STREAM_RAW_SENSORS: ("RAW_IMU", "SCALED_PRESSURE"),
    mavlink.MAV_DATA_STREAM_EXTENDED_STATUS: (
        "SYS_STATUS",
        "POWER_STATUS",
        "MEMINFO",
        "MISSION_CURRENT",
        "GPS_RAW_INT",
        "NAV_CONTROLLER_OUTPUT",
    ),
    mavlink.MAV_DATA_STREAM_RC_CHANNELS: ("SERVO_OUTPUT_RAW", "RC_CHANNELS"),
    mavlink.MAV_DATA_STREAM_POSITION: ("GLOBAL_POSITION_INT", "LOCAL_POSITION_NED"),
    mavlink.MAV_DATA_STREAM_EXTRA1: ("ATTITUDE",),
    mavlink.MAV_DATA_STREAM_EXTRA2: ("VFR_HUD",),
    mavlink.MAV_DATA_STREAM_EXTRA3: (
        "SYSTEM_TIME",
        "BATTERY_STATUS",
        "GIMBAL_DEVICE_ATTITUDE_STATUS",
        "EKF_STATUS_REPORT",
    ),
}
# Messages that can be asked for one by one (by id) besides the groups'.
EXTRA_MESSAGES = ("HOME_POSITION", "MOUNT_STATUS", "HEARTBEAT")
KNOWN: dict[int, str] = {}
for _names in (*STREAM_GROUPS.values(), EXTRA_MESSAGES):
    for _name in _names:
        KNOWN[getattr(mavlink, f"MAVLINK_MSG_ID_{_name}")] = _name
# ArduPilot's default interval for MAV_CMD_SET_MESSAGE_INTERVAL with interval 0 ("default rate").
DEFAULT_INTERVAL_S = 1.0
MAX_RATE_HZ = 50.0


def message_name(msgid: int) -> str | None:
    return KNOWN.get(msgid)


class StreamSchedule:
    """Per-connection message intervals (seconds of simulated time) and when each was last sent."""

    def __init__(self) -> None:
        self._group_rate_hz: dict[int, float] = {}
        self._override_s: dict[str, float] = {}  # from SET_MESSAGE_INTERVAL; <0 disables
        self._interval_s: dict[str, float] = {}
        self._next_s: dict[str, float] = {}

    def request_data_stream(self, stream_id: int, rate_hz: int, start: bool) -> None:
        rate = float(rate_hz) if start else 0.0
        groups = list(STREAM_GROUPS) if stream_id == mavlink.MAV_DATA_STREAM_ALL else [stream_id]
        for g in groups:
            if g in STREAM_GROUPS:
                self._group_rate_hz[g] = min(rate, MAX_RATE_HZ)
        self._recompute()

    def set_message_interval(self, msgid: int, interval_us: float) -> bool:
        """MAV_CMD_SET_MESSAGE_INTERVAL: -1 stops, 0 default rate, else the interval in µs."""
        name = message_name(msgid)
        if name is None or name == "HEARTBEAT":
            return False
        if interval_us < 0:
            self._override_s[name] = -1.0
        elif interval_us == 0:
            self._override_s[name] = DEFAULT_INTERVAL_S
        else:
            self._override_s[name] = max(interval_us / 1e6, 1.0 / MAX_RATE_HZ)
        self._recompute()
        return True

    def interval_s(self, msgid: int) -> float:
        """Current interval of a message in seconds (-1: not streamed)."""
        name = message_name(msgid)
        return self._interval_s.get(name, -1.0) if name else -1.0

    def _recompute(self) -> None:
        intervals: dict[str, float] = {}
        for group, rate in self._group_rate_hz.items():
            if rate > 0:
                for name in STREAM_GROUPS[group]:
                    intervals[name] = 1.0 / rate
        for name, interval in self._override_s.items():
            if interval < 0:
                intervals.pop(name, None)
            else:
                intervals[name] = interval
        for name in list(self._next_s):
            if name not in intervals:
                del self._next_s[name]
        self._interval_s = intervals

    def due(self, now_s: float) -> list[str]:
        """Names of the messages due at ``now_s``; each is then scheduled one interval later."""
        out = []
        for name, interval in self._interval_s.items():
            nxt = self._next_s.get(name)
            if nxt is None or now_s >= nxt - 1e-9:
                out.append(name)
                # Keep the phase, but never fall more than one interval behind (no bursts).
                base = now_s if nxt is None else max(nxt, now_s - interval)
                self._next_s[name] = base + interval
        return out
