"""One simulated ArduCopter as a MAVLink peer: routes received messages to the autopilot, the mission
store and the parameter table, and sends heartbeats, requested telemetry and events to its links.

Like ArduPilot SITL, the vehicle's clock does not start until the first client connects.
"""

from __future__ import annotations

import math
import random
import time

from sitl.pose import VehiclePose
from sitl.vehicle import commands, telemetry
from sitl.vehicle.autopilot import Autopilot
from sitl.vehicle.codec import MAV_RESULT, MAV_SEVERITY, mavlink
from sitl.vehicle.config import VehicleConfig
from sitl.vehicle.connection import Connection
from sitl.vehicle.events import CurrentChanged, HomeChanged, ItemReached, StatusText
from sitl.vehicle.mission_items import IncomingItem
from sitl.vehicle.params import ParamStore
from sitl.vehicle.streams import message_name

COMPID = 1
MAX_STEP_S = 0.05  # physics sub-step (simulated seconds)
PARAMS_PER_TICK = 40
HEARTBEAT_INTERVAL_S = 1.0
FLIGHT_SW_VERSION = (4 << 24) | (6 << 16) | (3 << 8) | mavlink.FIRMWARE_VERSION_TYPE_OFFICIAL
CAPABILITIES = (
    mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_FLOAT
    | mavlink.MAV_PROTOCOL_CAPABILITY_PARAM_FLOAT
    | mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_INT
    | mavlink.MAV_PROTOCOL_CAPABILITY_COMMAND_INT
    | mavlink.MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT
    | mavlink.MAV_PROTOCOL_CAPABILITY_MAVLINK2
    | mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
    | mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_RALLY
)
_TARGETED_MISSION = {
    "MISSION_COUNT",
    "MISSION_ITEM",
    "MISSION_ITEM_INT",
    "MISSION_REQUEST_LIST",
    "MISSION_REQUEST",
    "MISSION_REQUEST_INT",
    "MISSION_CLEAR_ALL",
}


class SimVehicle:
    """A simulated vehicle: ``advance`` it in simulated time, ``emit`` its telemetry, read ``pose``."""

    def __init__(self, config: VehicleConfig) -> None:
        self.config = config
        self.sysid = config.sysid
        self.params = ParamStore({"SYSID_THISMAV": config.sysid})
        self.ap = Autopilot(config, self.params)
        self.connections: list[Connection] = []
        self.signing_key: bytes | None = config.signing_key
        self.started = False
        self.boot_unix_s = time.time()
        self._rng = random.Random(config.seed * 7919 + config.instance)
        self._next_heartbeat_s = 0.0
        self._pose: VehiclePose | None = None
        self._update_pose()

    # --- links -------------------------------------------------------------------------------
    def attach(self, conn: Connection) -> None:
        if self.signing_key is not None:
            conn.set_signing_key(self.signing_key)
        self.connections.append(conn)
        if not self.started:
            self.started = True
            self.boot_unix_s = time.time()
            self._update_pose()

    def detach(self, conn: Connection) -> None:
        if conn in self.connections:
            self.connections.remove(conn)

    def broadcast(self, msg: mavlink.MAVLink_message | None) -> None:
        if msg is None:
            return
        for conn in self.connections:
            conn.send(msg)

    # --- receiving ---------------------------------------------------------------------------
    def handle(self, conn: Connection, msg: mavlink.MAVLink_message) -> None:
        name = msg.get_type()
        target = getattr(msg, "target_system", 0)
        if target not in (0, self.sysid):
            return
        sender = (msg.get_srcSystem(), msg.get_srcComponent())
        handler = getattr(self, f"_on_{name.lower()}", None)
        if handler is not None:
            handler(conn, msg, sender)

    def _on_heartbeat(self, conn: Connection, msg, sender) -> None:
        if sender[0] == int(self.params.get("SYSID_MYGCS")):
            self.ap.gcs_heartbeat()

    def _ack(self, conn: Connection, command: int, result: int, sender: tuple[int, int]) -> None:
        conn.send(mavlink.MAVLink_command_ack_message(command, result, 0, 0, sender[0], sender[1]))

    def _on_command_long(self, conn: Connection, msg, sender) -> None:
        result = commands.handle(self, conn, commands.Command.from_message(msg))
        if result is not None:
            self._ack(conn, msg.command, result, sender)

    _on_command_int = _on_command_long

    def _on_set_mode(self, conn: Connection, msg, sender) -> None:
        # ArduCopter 4.6 changes mode on SET_MODE without any COMMAND_ACK (only the HEARTBEAT tells).
        if msg.base_mode & mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
            self.ap.set_mode(msg.custom_mode)

    def _proto(self, msg):
        return self.ap.store.for_type(getattr(msg, "mission_type", 0))

    def _on_mission_count(self, conn: Connection, msg, sender) -> None:
        proto = self._proto(msg)
        if (
            proto is not None
            and proto.mission_type == mavlink.MAV_MISSION_TYPE_MISSION
            and not self.ap.booted
        ):
            # Before its mission storage is initialised ArduPilot has room for no items at all.
            conn.send(
                mavlink.MAVLink_mission_ack_message(sender[0], sender[1], mavlink.MAV_MISSION_NO_SPACE, 0)
            )
            text = b"Only 0 items are supported"
            self.broadcast(mavlink.MAVLink_statustext_message(MAV_SEVERITY.WARNING, text, 0, 0))
            return
        if proto is not None:
            proto.on_count(conn, sender, msg.count, self.ap.now_s)

    def _on_mission_item_int(self, conn: Connection, msg, sender) -> None:
        proto = self._proto(msg)
        if proto is not None:
            item = IncomingItem.from_message(msg, is_int=msg.get_type() == "MISSION_ITEM_INT")
            proto.on_item(conn, sender, item, self.ap.now_s)

    _on_mission_item = _on_mission_item_int

    def _on_mission_request_list(self, conn: Connection, msg, sender) -> None:
        proto = self._proto(msg)
        if proto is not None:
            proto.on_request_list(conn, sender)

    def _on_mission_request_int(self, conn: Connection, msg, sender) -> None:
        proto = self._proto(msg)
        if proto is not None:
            proto.on_request(conn, sender, msg.seq, as_int=msg.get_type() == "MISSION_REQUEST_INT")

    _on_mission_request = _on_mission_request_int

    def _on_mission_clear_all(self, conn: Connection, msg, sender) -> None:
        proto = self._proto(msg)
        if proto is not None:
            proto.on_clear_all(conn, sender)

    def _on_mission_set_current(self, conn: Connection, msg, sender) -> None:
        if not self.ap.runner.set_current(msg.seq):
            conn.send(mavlink.MAVLink_mission_ack_message(sender[0], sender[1], mavlink.MAV_MISSION_ERROR, 0))
        conn.send(telemetry.mission_current(self.ap))

    def _on_param_request_list(self, conn: Connection, msg, sender) -> None:
        conn.param_queue.clear()
        conn.param_queue.extend(range(len(self.params)))

    def _param_value(self, name: str) -> mavlink.MAVLink_message:
        p = self.params
        return mavlink.MAVLink_param_value_message(
            name.encode(), p.get(name), p.type_of(name), len(p), p.index(name)
        )

    def _on_param_request_read(self, conn: Connection, msg, sender) -> None:
        name = msg.param_id if msg.param_index < 0 else self.params.name_at(msg.param_index)
        if isinstance(name, bytes):
            name = name.decode(errors="replace")
        if name and name in self.params:
            conn.send(self._param_value(name))

    def _on_param_set(self, conn: Connection, msg, sender) -> None:
        name = msg.param_id.decode(errors="replace") if isinstance(msg.param_id, bytes) else msg.param_id
        if self.params.set(name, msg.param_value):
            self.broadcast(self._param_value(name))

    def _on_request_data_stream(self, conn: Connection, msg, sender) -> None:
        conn.schedule.request_data_stream(msg.req_stream_id, msg.req_message_rate, bool(msg.start_stop))

    def _on_set_position_target_global_int(self, conn: Connection, msg, sender) -> None:
        mask = msg.type_mask
        if not mask & mavlink.POSITION_TARGET_TYPEMASK_X_IGNORE:
            alt = commands._alt_amsl(self, msg.alt, msg.coordinate_frame)
            if mask & mavlink.POSITION_TARGET_TYPEMASK_Z_IGNORE:
                alt = None
            self.ap.goto(msg.lat_int * 1e-7, msg.lon_int * 1e-7, alt)
        elif not mask & mavlink.POSITION_TARGET_TYPEMASK_VX_IGNORE:
            self.ap.velocity(msg.vx, msg.vy, msg.vz)

    def _on_setup_signing(self, conn: Connection, msg, sender) -> None:
        key = bytes(msg.secret_key)
        self.signing_key = None if not any(key) else key
        for c in self.connections:
            c.set_signing_key(self.signing_key, initial_timestamp=msg.initial_timestamp)

    def _on_timesync(self, conn: Connection, msg, sender) -> None:
        if msg.tc1 == 0:
            conn.send(mavlink.MAVLink_timesync_message(time.monotonic_ns(), msg.ts1))

    def send_once(self, conn: Connection, msgid: int) -> int:
        """MAV_CMD_REQUEST_MESSAGE: send message ``msgid`` now on ``conn``."""
        if msgid == mavlink.MAVLINK_MSG_ID_AUTOPILOT_VERSION:
            conn.send(
                mavlink.MAVLink_autopilot_version_message(
                    CAPABILITIES,
                    FLIGHT_SW_VERSION,
                    0,
                    0,
                    0,
                    [0] * 8,
                    [0] * 8,
                    [0] * 8,
                    0,
                    0,
                    0x1234 + self.config.instance,
                    [0] * 18,
                )
            )
            return MAV_RESULT.ACCEPTED
        name = message_name(msgid)
        if name is None:
            return MAV_RESULT.UNSUPPORTED
        msg = (
            telemetry.heartbeat(self.ap)
            if name == "HEARTBEAT"
            else telemetry.build(name, self.ap, self._report())
        )
        if msg is None:
            return MAV_RESULT.FAILED
        conn.send(msg)
        return MAV_RESULT.ACCEPTED

    # --- time --------------------------------------------------------------------------------
    def advance(self, dt_s: float) -> None:
        """Advance ``dt_s`` simulated seconds (in physics sub-steps) and send what happened."""
        if not self.started or dt_s <= 0:
            return
        n = max(1, math.ceil(dt_s / MAX_STEP_S - 1e-9))
        for _ in range(n):
            self.ap.step(dt_s / n)
            if self.ap.events:
                self._send_events()
        self._update_pose()

    def _send_events(self) -> None:
        events, self.ap.events = self.ap.events, []
        for ev in events:
            if isinstance(ev, StatusText):
                self.broadcast(mavlink.MAVLink_statustext_message(ev.severity, ev.text.encode(), 0, 0))
            elif isinstance(ev, ItemReached):
                self.broadcast(mavlink.MAVLink_mission_item_reached_message(ev.seq))
            elif isinstance(ev, CurrentChanged):
                self.broadcast(telemetry.mission_current(self.ap))
            elif isinstance(ev, HomeChanged):
                self.broadcast(telemetry.home_position(self.ap))

    def _report(self) -> telemetry.Report:
        return telemetry.make_report(self.ap, self._rng, self.boot_unix_s)

    def emit(self) -> None:
        """Send the heartbeat, due telemetry and queued parameters (call once per server tick)."""
        if not self.started or not self.connections:
            return
        now = self.ap.now_s
        if now >= self._next_heartbeat_s:
            self._next_heartbeat_s = max(self._next_heartbeat_s + HEARTBEAT_INTERVAL_S, now)
            self.broadcast(telemetry.heartbeat(self.ap))
        report: telemetry.Report | None = None
        built: dict[str, mavlink.MAVLink_message | None] = {}
        for conn in self.connections:
            for name in conn.schedule.due(now):
                if name not in built:
                    report = report or self._report()
                    built[name] = telemetry.build(name, self.ap, report)
                msg = built[name]
                if msg is not None:
                    conn.send(msg)
            for _ in range(min(PARAMS_PER_TICK, len(conn.param_queue))):
                name = self.params.name_at(conn.param_queue.popleft())
                if name is not None:
                    conn.send(self._param_value(name))

    # --- the true pose, for the simulated camera ---------------------------------------------
    def _update_pose(self) -> None:
        ap, b = self.ap, self.ap.body
        home_alt = ap.home.alt_amsl_m if ap.home else self.config.home_alt_amsl_m
        self._pose = VehiclePose(
            t_unix_s=time.time(),
            lat_deg=b.lat_deg,
            lon_deg=b.lon_deg,
            alt_amsl_m=b.alt_amsl_m,
            alt_rel_m=b.alt_amsl_m - home_alt,
            roll_deg=b.roll_deg,
            pitch_deg=b.pitch_deg,
            yaw_deg=b.yaw_deg,
            gimbal_pitch_deg=ap.gimbal_pitch_deg,
            gimbal_roll_deg=0.0,
            gimbal_yaw_deg=ap.gimbal_yaw_earth_deg(),
        )

    def pose(self) -> VehiclePose | None:
        """The true (noise-free) pose at the last physics tick (on the ground at home before it starts)."""
        return self._pose
