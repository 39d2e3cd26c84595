"""Timeouts, retries and stream rates: the defaults, in one place, overridable per link or per call."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class StreamRates:
    """Telemetry rates requested on connect (Hz), by ArduPilot stream group or message."""

    position_hz: float = 10.0  # GLOBAL_POSITION_INT
    attitude_hz: float = 10.0  # ATTITUDE (EXTRA1)
    vfr_hud_hz: float = 4.0  # VFR_HUD (EXTRA2)
    status_hz: float = 2.0  # SYS_STATUS, GPS_RAW_INT, MISSION_CURRENT (EXTENDED_STATUS)
    extra3_hz: float = 2.0  # BATTERY_STATUS, EKF_STATUS_REPORT (EXTRA3)
    gimbal_hz: float = 10.0  # GIMBAL_DEVICE_ATTITUDE_STATUS / MOUNT_STATUS
    home_hz: float = 0.5  # HOME_POSITION


@dataclass(frozen=True, kw_only=True)
class LinkConfig:
    # connection
    connect_timeout_s: float = 10.0
    heartbeat_hz: float = 1.0
    stale_after_s: float = 3.0
    reconnect_after_s: float = 6.0
    reconnect_backoff_s: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 5.0)
    # commands
    command_timeout_s: float = 1.5
    command_retries: int = 3
    statustext_window_s: float = 1.0
    # mission protocol (mavlink.io defaults)
    mission_timeout_s: float = 1.5
    mission_item_timeout_s: float = 0.25
    mission_retries: int = 5
    # history ring
    history_s: float = 600.0
    streams: StreamRates = field(default_factory=StreamRates)


DEFAULT_CONFIG = LinkConfig()
