"""GeoJSON (RFC 7946): a Point feature per sighting, a Polygon feature per error ellipse, a Point per event."""

from __future__ import annotations

import json
from collections.abc import Sequence

from detection.exports.common import ellipse_ring_deg, iso_utc, sighting_properties
from detection.values import CrossingEvent, Event, Sighting


def geojson_document(sightings: Sequence[Sighting], events: Sequence[Event] = ()) -> str:
    features = []
    for s in sightings:
        props = sighting_properties(s)
        features.append(
            {
                "type": "Feature",
                "id": s.sighting_id,
                "geometry": {"type": "Point", "coordinates": [round(s.lon_deg, 8), round(s.lat_deg, 8)]},
                "properties": {"kind": "sighting", **props},
            }
        )
        ring = ellipse_ring_deg(s)
        if ring:
            features.append(
                {
                    "type": "Feature",
                    "id": f"{s.sighting_id}-ellipse",
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[round(x, 8), round(y, 8)] for x, y in ring]],
                    },
                    "properties": {
                        "kind": "error_ellipse",
                        "sighting_id": s.sighting_id,
                        "confidence": s.ellipse.confidence,
                    },
                }
            )
    for e in events:
        props = {
            "kind": e.kind.value,
            "event_id": e.event_id,
            "sighting_id": e.sighting_id,
            "flight_id": e.flight_id,
            "vehicle": e.vehicle,
            "class": e.class_name,
            "time_utc": iso_utc(e.t_unix_s),
            "border": e.border_name,
        }
        if isinstance(e, CrossingEvent):
            props["direction"] = e.direction
        else:
            props |= {"side": e.side, "distance_m": round(e.distance_m, 2), "buffer_m": e.buffer_m}
        features.append(
            {
                "type": "Feature",
                "id": e.event_id,
                "geometry": {"type": "Point", "coordinates": [round(e.lon_deg, 8), round(e.lat_deg, 8)]},
                "properties": props,
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1, allow_nan=False)
