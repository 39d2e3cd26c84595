"""Mission, fence and rally storage with ArduPilot's item-transfer state machine.

Per mission type there is one transfer at a time, owned by the link (and sysid/compid) that sent
MISSION_COUNT. The vehicle asks for each item with MISSION_REQUEST (id 40, never the _INT form),
re-asks after 1 s of silence, and gives up after 8 s (MISSION_ACK OPERATION_CANCELLED); all times
are simulated time, as ArduPilot's clock is under SITL. A wrong sequence number is answered with
MISSION_ACK INVALID_SEQUENCE and the vehicle keeps waiting for the right item.

Mission and rally uploads are written item by item (not atomic: a stalled upload leaves the new
items written so far, after the count was truncated); a fence upload is committed only when
complete. Download is stateless: any MISSION_REQUEST(_INT) is answered from storage; the mission's
seq 0 is always home (AMSL, frame 0), whatever was uploaded there. An empty (or cleared) mission has
count 0, yet its seq 0 can still be requested and is home; asking past the end of a mission gets the
real MISSION_COUNT and MISSION_ACK ERROR. Downloading with MISSION_REQUEST (not _INT) is answered,
with a one-time warning STATUSTEXT.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sitl.vehicle.codec import MAV_SEVERITY, mavlink
from sitl.vehicle.mission_items import (
    ACCEPTED,
    ERROR,
    FENCE,
    MISSION,
    RALLY,
    IncomingItem,
    StoredItem,
    check_fence,
    convert_fence_item,
    convert_mission_item,
    convert_rally_item,
)

UPLOAD_TIMEOUT_S = 8.0
REQUEST_RESEND_S = 1.0
MAX_ITEMS = {MISSION: 700, FENCE: 84, RALLY: 20}
_TIMEOUT_TEXT = {
    MISSION: "Mission upload timeout",
    FENCE: "Fence upload timeout",
    RALLY: "Rally upload timeout",
}


class Link(Protocol):
    """Where replies go: one MAVLink connection."""

    def send(self, msg: mavlink.MAVLink_message) -> None: ...


class ItemProtocol:
    """Storage and transfer state for one mission type."""

    def __init__(
        self,
        mission_type: int,
        *,
        home_item: Callable[[], StoredItem] | None = None,
        status: Callable[[int, str], None] = lambda severity, text: None,
    ) -> None:
        self.mission_type = mission_type
        self._home_item = home_item
        self._status = status
        self._convert = {
            MISSION: convert_mission_item,
            FENCE: convert_fence_item,
            RALLY: convert_rally_item,
        }[mission_type]
        self._atomic = mission_type == FENCE
        self.items: list[StoredItem] = []
        self.version = 0  # bumped whenever stored items change
        self._receiving = False
        self._link: Link | None = None
        self._dest: tuple[int, int] = (0, 0)
        self._request_i = 0
        self._request_last = -1
        self._new_items: list[StoredItem | None] = []
        self._last_receive_s = 0.0
        self._last_request_s = 0.0
        self._request_warning_sent = False

    @staticmethod
    def _home_placeholder() -> StoredItem:
        return StoredItem(command=mavlink.MAV_CMD_NAV_WAYPOINT, frame=0)

    @property
    def receiving(self) -> bool:
        return self._receiving

    def count(self) -> int:
        return len(self.items)

    def item(self, seq: int) -> StoredItem:
        if self.mission_type == MISSION and seq == 0:
            return self._home_item() if self._home_item is not None else self._home_placeholder()
        return self.items[seq]

    # --- messages ---------------------------------------------------------------------------
    def _ack(self, link: Link, dest: tuple[int, int], result: int) -> None:
        link.send(mavlink.MAVLink_mission_ack_message(dest[0], dest[1], result, self.mission_type))

    def _send_request(self, now_s: float) -> None:
        assert self._link is not None
        self._link.send(
            mavlink.MAVLink_mission_request_message(
                self._dest[0], self._dest[1], self._request_i, self.mission_type
            )
        )
        self._last_request_s = now_s

    def on_count(self, link: Link, sender: tuple[int, int], count: int, now_s: float) -> None:
        """MISSION_COUNT: start an upload of ``count`` items (or clear, for 0)."""
        if self._receiving:
            if sender != self._dest:
                self._ack(link, sender, mavlink.MAV_MISSION_DENIED)
                return
            self._free()
        if count > MAX_ITEMS[self.mission_type]:
            self._ack(link, sender, mavlink.MAV_MISSION_NO_SPACE)
            self._status(MAV_SEVERITY.WARNING, f"Only {MAX_ITEMS[self.mission_type]} items are supported")
            return
        if self._atomic:
            self._new_items = [None] * count
        elif len(self.items) > count:
            # Not atomic: the stored list is cut to the new count before any item arrives.
            self.items = self.items[:count]
            self.version += 1
        if count == 0:
            self._complete(link, sender)
            return
        self._receiving = True
        self._request_warning_sent = False
        self._link = link
        self._dest = sender
        self._request_i = 0
        self._request_last = count - 1
        self._last_receive_s = now_s
        self._send_request(now_s)

    def on_item(self, link: Link, sender: tuple[int, int], item: IncomingItem, now_s: float) -> None:
        """MISSION_ITEM or MISSION_ITEM_INT during an upload."""
        if not self._receiving or self._link is None:
            # ArduPilot answers stray items with an error ack.
            self._ack(link, sender, ERROR)
            return
        if item.seq != self._request_i:
            self._ack(link, sender, mavlink.MAV_MISSION_INVALID_SEQUENCE)
            return
        if sender != self._dest:
            self._ack(link, sender, mavlink.MAV_MISSION_DENIED)
            return
        stored = self._convert(item)
        if isinstance(stored, int):
            self._ack(link, sender, stored)
            self._free()
            return
        if self._atomic:
            self._new_items[item.seq] = stored
        elif item.seq < len(self.items):
            self.items[item.seq] = stored
            self.version += 1
        elif item.seq == len(self.items):
            self.items.append(stored)
            self.version += 1
        else:
            self._ack(link, sender, ERROR)
            self._free()
            return
        self._last_receive_s = now_s
        self._request_i += 1
        if self._request_i > self._request_last:
            self._complete(link, sender)
            return
        self._send_request(now_s)

    def _complete(self, link: Link, sender: tuple[int, int]) -> None:
        result = ACCEPTED
        if self._atomic:
            new = [i for i in self._new_items if i is not None]
            if len(new) != len(self._new_items) or not check_fence(new):
                result = ERROR
            else:
                self.items = new
                self.version += 1
        self._ack(link, sender, result)
        self._free()

    def _free(self) -> None:
        self._receiving = False
        self._link = None
        self._new_items = []

    def on_request_list(self, link: Link, sender: tuple[int, int]) -> None:
        if self._receiving:
            self._ack(link, sender, mavlink.MAV_MISSION_DENIED)
            return
        link.send(
            mavlink.MAVLink_mission_count_message(sender[0], sender[1], self.count(), self.mission_type)
        )

    def on_request(self, link: Link, sender: tuple[int, int], seq: int, *, as_int: bool) -> None:
        """MISSION_REQUEST_INT (answered with MISSION_ITEM_INT) or MISSION_REQUEST (with MISSION_ITEM)."""
        if self._receiving:
            self._ack(link, sender, mavlink.MAV_MISSION_DENIED)
            return
        if self.mission_type == MISSION and seq != 0 and seq >= self.count():
            # ArduPilot tells the GCS the real size of the mission, then refuses.
            link.send(mavlink.MAVLink_mission_count_message(sender[0], sender[1], self.count(), MISSION))
            self._ack(link, sender, ERROR)
            return
        if self.mission_type != MISSION and not 0 <= seq < self.count():
            self._ack(link, sender, mavlink.MAV_MISSION_INVALID_SEQUENCE)
            return
        it = self.item(seq)
        if as_int:
            link.send(
                mavlink.MAVLink_mission_item_int_message(
                    sender[0], sender[1], seq, it.frame, it.command, 0, int(it.autocontinue),
                    it.param1, it.param2, it.param3, it.param4, it.lat_e7, it.lon_e7, it.z_m, self.mission_type,
                )
            )  # fmt: skip
        else:
            if not self._request_warning_sent:
                self._request_warning_sent = True
                self._status(MAV_SEVERITY.WARNING, "got MISSION_REQUEST; use MISSION_REQUEST_INT!")
            link.send(
                mavlink.MAVLink_mission_item_message(
                    sender[0], sender[1], seq, it.frame, it.command, 0, int(it.autocontinue),
                    it.param1, it.param2, it.param3, it.param4, it.lat_deg, it.lon_deg, it.z_m, self.mission_type,
                )
            )  # fmt: skip

    def on_clear_all(self, link: Link, sender: tuple[int, int], *, allowed: bool = True) -> None:
        if self._receiving or not allowed:
            self._ack(link, sender, ERROR)
            return
        self.items = []
        self.version += 1
        self._ack(link, sender, ACCEPTED)

    def forget_link(self, link: Link) -> None:
        """The link closed: an upload from it can only time out now (as on ArduPilot)."""

    def update(self, now_s: float) -> None:
        """Re-ask for the awaited item after 1 s, give up after 8 s (simulated time)."""
        if not self._receiving or self._link is None:
            return
        if now_s - self._last_receive_s > UPLOAD_TIMEOUT_S:
            link, dest = self._link, self._dest
            self._status(MAV_SEVERITY.WARNING, _TIMEOUT_TEXT[self.mission_type])
            self._ack(link, dest, mavlink.MAV_MISSION_OPERATION_CANCELLED)
            self._free()
            return
        if now_s - self._last_request_s > REQUEST_RESEND_S:
            self._send_request(now_s)


class MissionStore:
    """The three item lists of one vehicle."""

    def __init__(self, *, home_item: Callable[[], StoredItem], status: Callable[[int, str], None]) -> None:
        self.mission = ItemProtocol(MISSION, home_item=home_item, status=status)
        self.fence = ItemProtocol(FENCE, status=status)
        self.rally = ItemProtocol(RALLY, status=status)

    def for_type(self, mission_type: int) -> ItemProtocol | None:
        return {MISSION: self.mission, FENCE: self.fence, RALLY: self.rally}.get(mission_type)

    def update(self, now_s: float) -> None:
        for proto in (self.mission, self.fence, self.rally):
            proto.update(now_s)
