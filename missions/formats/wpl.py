"""QGC WPL 110: the tab-separated .waypoints text format (QGroundControl, Mission Planner, MAVProxy).

``QGC WPL 110`` then one line per item: index, current, frame, command, param1..4, lat, lon, alt,
autocontinue. Item 0 is home (frame 0, AMSL). Speeds, fence and rally points are not carried.
"""

from __future__ import annotations

import math
from pathlib import Path

from missions.errors import InvalidValueError, PlanFormatError
from missions.formats.qgc_plan import read_source
from missions.mavitem import MAV_FRAME_GLOBAL, RawItem, raw_to_waypoint, waypoint_to_raw
from missions.values import HomePosition, MavCmd, Mission, Plan

HEADER = "QGC WPL 110"


def _decode(text: str | bytes, source: str) -> str:
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PlanFormatError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    return text


def load_wpl(source: str | Path, *, text: str | bytes | None = None) -> Plan:
    name = str(source)
    body = _decode(read_source(source) if text is None else text, name)
    lines = body.splitlines()
    if not lines or lines[0].strip() != HEADER:
        first = lines[0].strip()[:40] if lines else ""
        raise PlanFormatError(name, "line 1", f"expected the header '{HEADER}', found {first!r}")
    home: HomePosition | None = None
    items = []
    expected = 0
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        where = f"line {lineno}"
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) != 12:
            raise PlanFormatError(name, where, f"expected 12 fields, found {len(fields)}")
        try:
            values = [float(f) for f in fields]
        except ValueError:
            bad = next(f for f in fields if not _is_number(f))
            raise PlanFormatError(name, where, f"{bad[:30]!r} is not a number") from None
        if any(math.isinf(v) for v in values):
            raise PlanFormatError(name, where, "infinite values are not allowed")
        index, frame, command = values[0], values[2], values[3]
        for label, pos in (("index", 0), ("frame", 2), ("command", 3)):
            v = values[pos]
            if math.isnan(v) or v != int(v) or v < 0:
                raise PlanFormatError(name, where, f"{label} must be a whole number, found {fields[pos]!r}")
        if int(index) != expected:
            raise PlanFormatError(name, where, f"expected item index {expected}, found {int(index)}")
        expected += 1
        p1, p2, p3, p4, lat, lon, alt = (None if math.isnan(v) else v for v in values[4:11])
        if int(index) == 0:
            if lat is None or lon is None:
                raise PlanFormatError(name, where, "home (item 0) needs a latitude and longitude")
            try:
                home = HomePosition(lat_deg=lat, lon_deg=lon, alt_amsl_m=alt or 0.0)
            except InvalidValueError as exc:
                raise PlanFormatError(name, where, str(exc)) from None
            continue
        raw = RawItem(
            command=int(command),
            frame=int(frame),
            param1=p1,
            param2=p2,
            param3=p3,
            param4=p4,
            x=lat,
            y=lon,
            z=alt,
            autocontinue=values[11] != 0,
        )
        try:
            items.append(raw_to_waypoint(raw))
        except InvalidValueError as exc:
            raise PlanFormatError(name, where, str(exc)) from None
    if home is None:
        raise PlanFormatError(name, "line 2", "no home line (item 0)")
    return Plan(mission=Mission(home=home, items=tuple(items)))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fmt(value: float | None) -> str:
    if value is None:
        return "nan"
    return repr(float(value))


def dump_wpl(plan: Plan) -> str:
    home = plan.mission.home
    rows = [HEADER]
    home_fields = [0, 1, MAV_FRAME_GLOBAL, int(MavCmd.NAV_WAYPOINT)]
    rows.append(
        "\t".join(
            [
                *map(str, home_fields),
                *map(_fmt, (0, 0, 0, 0, home.lat_deg, home.lon_deg, home.alt_amsl_m)),
                "1",
            ]
        )
    )
    for i, wp in enumerate(plan.mission.items, start=1):
        raw = waypoint_to_raw(wp)
        numbers = (raw.param1, raw.param2, raw.param3, raw.param4, raw.x, raw.y, raw.z)
        rows.append(
            "\t".join(
                [
                    str(i),
                    "0",
                    str(raw.frame),
                    str(raw.command),
                    *map(_fmt, numbers),
                    "1" if raw.autocontinue else "0",
                ]
            )
        )
    return "\n".join(rows) + "\n"
