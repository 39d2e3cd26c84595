"""KML 2.2: a folder of sightings (a Placemark each: the point and its error ellipse, data as
ExtendedData) and a folder of events."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from detection.exports.common import ellipse_ring_deg, iso_utc, sighting_properties
from detection.values import CrossingEvent, Event, Sighting

KML_NS = "http://www.opengis.net/kml/2.2"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, f"{{{KML_NS}}}{tag}", **attrs)
    if text is not None:
        e.text = text
    return e


def kml_document(sightings: Sequence[Sighting], events: Sequence[Event] = ()) -> str:
    root = etree.Element(f"{{{KML_NS}}}kml", nsmap={None: KML_NS})
    doc = _el(root, "Document")
    _el(doc, "name", "borderwatch sightings")
    folder = _el(doc, "Folder")
    _el(folder, "name", "Sightings")
    for s in sightings:
        pm = _el(folder, "Placemark", id=f"s-{s.sighting_id}")
        _el(pm, "name", f"{s.class_name} {s.confidence:.2f}")
        _el(pm, "description", f"{s.mgrs}; last seen {iso_utc(s.last_seen_unix_s)}; status {s.status.value}")
        span = _el(pm, "TimeSpan")
        _el(span, "begin", iso_utc(s.first_seen_unix_s))
        _el(span, "end", iso_utc(s.last_seen_unix_s))
        data = _el(pm, "ExtendedData")
        for key, value in sighting_properties(s).items():
            d = _el(data, "Data", name=key)
            _el(d, "value", "" if value is None else str(value))
        geoms = _el(pm, "MultiGeometry")
        point = _el(geoms, "Point")
        _el(point, "coordinates", f"{s.lon_deg:.8f},{s.lat_deg:.8f},0")
        ring = ellipse_ring_deg(s)
        if ring:
            poly = _el(geoms, "Polygon")
            outer = _el(_el(poly, "outerBoundaryIs"), "LinearRing")
            _el(outer, "coordinates", " ".join(f"{x:.8f},{y:.8f},0" for x, y in ring))
    if events:
        ev_folder = _el(doc, "Folder")
        _el(ev_folder, "name", "Events")
        for e in events:
            pm = _el(ev_folder, "Placemark", id=f"e-{e.event_id}")
            what = (
                f"crossing {e.direction}"
                if isinstance(e, CrossingEvent)
                else f"entered {e.buffer_m:g} m buffer"
            )
            _el(pm, "name", f"{e.class_name} {what}")
            _el(_el(pm, "TimeStamp"), "when", iso_utc(e.t_unix_s))
            data = _el(pm, "ExtendedData")
            for key, value in (
                ("kind", e.kind.value),
                ("sighting_id", e.sighting_id),
                ("vehicle", e.vehicle),
            ):
                _el(_el(data, "Data", name=key), "value", value)
            _el(_el(pm, "Point"), "coordinates", f"{e.lon_deg:.8f},{e.lat_deg:.8f},0")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()
