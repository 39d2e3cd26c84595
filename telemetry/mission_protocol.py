"""The MAVLink mission protocol (mavlink.io/en/services/mission.html) for mission, fence and rally.

Upload answers both MISSION_REQUEST (what ArduPilot sends) and MISSION_REQUEST_INT with MISSION_ITEM_INT,
tolerates duplicate and out-of-order requests, resends on silence, and reports retries. Download asks
with MISSION_REQUEST_INT. Timeouts and retries default to the spec's (1500 ms per stage, 250 ms per
item, 5 retries) and can be set per call. Every failure is a ``MissionTransferError`` that says which
stage failed and, when the vehicle answered, its MISSION_ACK result.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from missions.mavitem import RawItem
from telemetry.errors import LinkTimeoutError, MissionTransferError
from telemetry.link import VehicleLink, mission_result_name
from telemetry.mission_items import MissionType

MAV_MISSION_ACCEPTED = 0
MAV_MISSION_ERROR = 1
MAV_MISSION_INVALID_SEQUENCE = 13
MAV_MISSION_OPERATION_CANCELLED = 14
# Results that end a transfer for protocol reasons (timeouts, lost items), not because of the content.
RESTARTABLE = frozenset({MAV_MISSION_ERROR, MAV_MISSION_OPERATION_CANCELLED})
GLOBAL_FRAMES = {0, 3, 5, 6, 10, 11}

Progress = Callable[[int, int], None]


@dataclass(frozen=True, kw_only=True)
class TransferStats:
    items: int
    seconds: float
    retries: int
    acknowledged: bool = True


@dataclass(frozen=True, kw_only=True)
class Timing:
    timeout_s: float
    item_timeout_s: float
    retries: int

    @classmethod
    def of(
        cls, link: VehicleLink, timeout_s: float | None, item_timeout_s: float | None, retries: int | None
    ) -> Timing:
        c = link.config
        return cls(
            timeout_s=c.mission_timeout_s if timeout_s is None else timeout_s,
            item_timeout_s=c.mission_item_timeout_s if item_timeout_s is None else item_timeout_s,
            retries=c.mission_retries if retries is None else retries,
        )


def _f(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _send_item(link: VehicleLink, item: RawItem, seq: int, mission_type: MissionType) -> None:
    system, component = link.target()
    located = item.frame in GLOBAL_FRAMES
    x = round((item.x or 0.0) * 1e7) if located else round(item.x or 0.0)
    y = round((item.y or 0.0) * 1e7) if located else round(item.y or 0.0)
    link.send(
        "mission_item_int",
        system,
        component,
        seq,
        item.frame,
        item.command,
        0,
        int(item.autocontinue),
        _f(item.param1),
        _f(item.param2),
        _f(item.param3),
        _f(item.param4),
        x,
        y,
        _f(item.z) if item.z is not None else 0.0,
        int(mission_type),
    )


def upload(
    link: VehicleLink,
    mission_type: MissionType,
    items: list[RawItem],
    *,
    progress: Progress | None = None,
    timeout_s: float | None = None,
    item_timeout_s: float | None = None,
    retries: int | None = None,
) -> TransferStats:
    """Send ``items``; returns when the vehicle acknowledges (or, if its final ACK never comes, after the
    last retry with ``acknowledged=False`` — the caller must then read back to know)."""
    timing = Timing.of(link, timeout_s, item_timeout_s, retries)
    system, component = link.target()
    count = len(items)
    label = mission_type.label
    started = time.monotonic()
    total_retries = 0
    with link.listen("MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK") as inbox:
        link.send("mission_count", system, component, count, int(mission_type), 0)
        requested: set[int] = set()
        last_sent: int | None = None
        strikes = restarts = 0
        while True:
            try:
                msg = inbox.get(
                    timing.timeout_s, lambda m: getattr(m, "mission_type", 0) == int(mission_type)
                )
            except LinkTimeoutError:
                strikes += 1
                total_retries += 1
                if strikes > timing.retries:
                    if count and len(requested) == count:  # everything went; only the final ACK is missing
                        return TransferStats(
                            items=count,
                            seconds=time.monotonic() - started,
                            retries=total_retries,
                            acknowledged=False,
                        )
                    raise MissionTransferError(
                        "upload", label,
                        f"the vehicle stopped answering after {len(requested)} of {count} items ({timing.retries} retries)",
                    ) from None  # fmt: skip
                if last_sent is None:
                    link.send("mission_count", system, component, count, int(mission_type), 0)
                else:
                    _send_item(link, items[last_sent], last_sent, mission_type)
                continue
            if msg.get_type() == "MISSION_ACK":
                if msg.type == MAV_MISSION_ACCEPTED and (len(requested) == count or count == 0):
                    return TransferStats(
                        items=count, seconds=time.monotonic() - started, retries=total_retries
                    )
                if msg.type in (MAV_MISSION_ACCEPTED, MAV_MISSION_INVALID_SEQUENCE):
                    continue  # a stale ACK, or a complaint about a duplicate we sent: the transfer goes on
                if msg.type in RESTARTABLE:
                    if not requested:
                        continue  # an answer to a stray item of an earlier transfer
                    # the vehicle dropped the transfer (its timeout, or a lost item it now calls stray): start again
                    restarts += 1
                    total_retries += 1
                    if restarts > timing.retries:
                        name = mission_result_name(msg.type)
                        raise MissionTransferError(
                            "upload", label, f"the vehicle kept ending the transfer: {name}", name
                        )
                    requested.clear()
                    last_sent = None
                    strikes = 0
                    link.send("mission_count", system, component, count, int(mission_type), 0)
                    continue
                name = mission_result_name(msg.type)
                raise MissionTransferError("upload", label, f"the vehicle refused it: {name}", name)
            seq = int(msg.seq)
            if not 0 <= seq < count:
                raise MissionTransferError("upload", label, f"the vehicle asked for item {seq} of {count}")
            if seq not in requested:
                requested.add(seq)
                strikes = 0
                if progress is not None:
                    progress(len(requested), count)
            _send_item(link, items[seq], seq, mission_type)
            last_sent = seq


def _raw_from(msg) -> RawItem:
    is_int = msg.get_type() == "MISSION_ITEM_INT"
    located = msg.frame in GLOBAL_FRAMES
    scale = 1e7 if is_int and located else 1.0

    def nan_none(v: float) -> float | None:
        return None if isinstance(v, float) and math.isnan(v) else float(v)

    return RawItem(
        command=int(msg.command),
        frame=int(msg.frame),
        param1=nan_none(msg.param1),
        param2=nan_none(msg.param2),
        param3=nan_none(msg.param3),
        param4=nan_none(msg.param4),
        x=msg.x / scale,
        y=msg.y / scale,
        z=nan_none(msg.z),
        autocontinue=bool(msg.autocontinue),
    )


def download(
    link: VehicleLink,
    mission_type: MissionType,
    *,
    progress: Progress | None = None,
    timeout_s: float | None = None,
    item_timeout_s: float | None = None,
    retries: int | None = None,
) -> tuple[list[RawItem], TransferStats]:
    timing = Timing.of(link, timeout_s, item_timeout_s, retries)
    system, component = link.target()
    label = mission_type.label
    started = time.monotonic()
    total_retries = 0
    mt = int(mission_type)
    with link.listen("MISSION_COUNT", "MISSION_ITEM_INT", "MISSION_ITEM", "MISSION_ACK") as inbox:
        count = None
        for _ in range(timing.retries + 1):
            link.send("mission_request_list", system, component, mt)
            try:
                msg = inbox.get(
                    timing.timeout_s,
                    lambda m: m.get_type() == "MISSION_COUNT" and getattr(m, "mission_type", 0) == mt,
                )
            except LinkTimeoutError:
                total_retries += 1
                continue
            count = int(msg.count)
            break
        if count is None:
            raise MissionTransferError(
                "download", label, f"no MISSION_COUNT after {timing.retries + 1} requests"
            )
        items: list[RawItem] = []
        for seq in range(count):
            for _ in range(timing.retries + 1):
                link.send("mission_request_int", system, component, seq, mt)
                try:
                    msg = inbox.get(
                        max(timing.item_timeout_s, 0.05),
                        lambda m, s=seq: (
                            m.get_type() in ("MISSION_ITEM_INT", "MISSION_ITEM")
                            and m.seq == s
                            and getattr(m, "mission_type", 0) == mt
                        ),
                    )
                except LinkTimeoutError:
                    total_retries += 1
                    continue
                items.append(_raw_from(msg))
                if progress is not None:
                    progress(seq + 1, count)
                break
            else:
                raise MissionTransferError(
                    "download",
                    label,
                    f"item {seq} of {count} did not arrive after {timing.retries + 1} requests",
                )
        link.send("mission_ack", system, component, MAV_MISSION_ACCEPTED, mt, 0)
    return items, TransferStats(items=count, seconds=time.monotonic() - started, retries=total_retries)


def clear(
    link: VehicleLink,
    mission_type: MissionType,
    *,
    timeout_s: float | None = None,
    retries: int | None = None,
) -> TransferStats:
    timing = Timing.of(link, timeout_s, None, retries)
    system, component = link.target()
    started = time.monotonic()
    with link.listen("MISSION_ACK") as inbox:
        for attempt in range(timing.retries + 1):
            link.send("mission_clear_all", system, component, int(mission_type))
            try:
                msg = inbox.get(
                    timing.timeout_s, lambda m: getattr(m, "mission_type", 0) == int(mission_type)
                )
            except LinkTimeoutError:
                continue
            if msg.type != MAV_MISSION_ACCEPTED:
                name = mission_result_name(msg.type)
                raise MissionTransferError("clear", mission_type.label, f"the vehicle refused: {name}", name)
            return TransferStats(items=0, seconds=time.monotonic() - started, retries=attempt)
    raise MissionTransferError(
        "clear", mission_type.label, f"no MISSION_ACK after {timing.retries + 1} attempts"
    )
