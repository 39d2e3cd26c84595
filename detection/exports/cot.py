"""Cursor-on-Target (CoT 2.0) events, what ATAK/WinTAK/TAK Server take in.

Each sighting is one ``<event>``: ``type="a-u-G"`` (unknown affiliation, ground), ``how="m-g"``
(machine-generated, from GPS-derived geometry), ``uid`` stable per sighting (updates replace the marker),
``time`` the export time, ``start`` the last-seen time, ``stale`` ``stale_after_s`` later. ``<point>``:
``hae`` the ground altitude used (AMSL, as borderwatch uses it for height above ellipsoid), ``ce`` the
sighting's CE90 (radius in metres holding the true position with 90 % probability, as CoT defines ``ce``),
``le`` 9999999 (CoT's "unknown": the altitude is the flat-ground assumption, not a measurement).
``<detail>`` carries ``<remarks>`` and a ``<borderwatch>`` element with the ellipse and ids.

A file export is a CoT stream: one complete event per line, no XML declaration, each line its own document.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from lxml import etree

from detection.exports.common import iso_utc
from detection.values import Sighting

UNKNOWN = 9999999.0


def cot_event(
    s: Sighting, *, now_unix_s: float | None = None, stale_after_s: float = 600.0
) -> etree._Element:
    now = time.time() if now_unix_s is None else now_unix_s
    ev = etree.Element(
        "event",
        version="2.0",
        uid=f"borderwatch.sighting.{s.sighting_id}",
        type="a-u-G",
        how="m-g",
        time=iso_utc(now),
        start=iso_utc(s.last_seen_unix_s),
        stale=iso_utc(max(now, s.last_seen_unix_s) + stale_after_s),
    )
    ce = s.ellipse.ce90_m if math.isfinite(s.ellipse.ce90_m) else UNKNOWN
    hae = s.alt_amsl_m if math.isfinite(s.alt_amsl_m) else UNKNOWN
    etree.SubElement(
        ev,
        "point",
        lat=f"{s.lat_deg:.8f}",
        lon=f"{s.lon_deg:.8f}",
        hae=f"{hae:.1f}",
        ce=f"{ce:.1f}",
        le=f"{UNKNOWN:.1f}",
    )
    detail = etree.SubElement(ev, "detail")
    etree.SubElement(detail, "contact", callsign=f"{s.class_name}-{s.sighting_id[:6]}")
    remarks = etree.SubElement(detail, "remarks")
    remarks.text = (
        f"{s.class_name} (confidence {s.confidence:.2f}) seen by {s.vehicle} "
        f"{iso_utc(s.first_seen_unix_s)}..{iso_utc(s.last_seen_unix_s)}, {s.track_frames} frames; "
        f"MGRS {s.mgrs}; error ellipse {s.ellipse.semi_major_m:.1f} x {s.ellipse.semi_minor_m:.1f} m "
        f"at {s.ellipse.orientation_deg:.0f} deg ({s.ellipse.confidence:.0%}); review {s.status.value}"
        + (f"; note: {s.note}" if s.note else "")
    )
    if math.isfinite(s.course_deg) and math.isfinite(s.speed_m_s):
        etree.SubElement(detail, "track", course=f"{s.course_deg:.1f}", speed=f"{s.speed_m_s:.2f}")
    etree.SubElement(
        detail,
        "borderwatch",
        sighting_id=s.sighting_id,
        flight_id=s.flight_id,
        cls=s.class_name,
        semi_major_m=f"{s.ellipse.semi_major_m:.2f}",
        semi_minor_m=f"{s.ellipse.semi_minor_m:.2f}",
        orientation_deg=f"{s.ellipse.orientation_deg:.1f}",
        ellipse_confidence=f"{s.ellipse.confidence:.2f}",
        cep_m=f"{s.ellipse.cep_m:.2f}",
        status=s.status.value,
    )
    return ev


def cot_xml(s: Sighting, **kwargs: float) -> bytes:
    """One event as a standalone XML document (what one sends to a TAK server or multicast group)."""
    return etree.tostring(cot_event(s, **kwargs), xml_declaration=True, encoding="UTF-8", standalone=True)


def cot_document(sightings: Sequence[Sighting], *, now_unix_s: float | None = None) -> str:
    """A CoT stream: one ``<event>`` per line."""
    return "".join(etree.tostring(cot_event(s, now_unix_s=now_unix_s)).decode() + "\n" for s in sightings)
