"""Sightings out of borderwatch: GeoJSON, KML, CSV, and Cursor-on-Target events for ATAK/TAK.

``export(sightings, fmt, events=())`` returns the document as text; ``FORMATS`` lists the formats and
their file extensions.
"""

from __future__ import annotations

from collections.abc import Sequence

from detection.errors import ExportError
from detection.exports.cot import cot_document
from detection.exports.csvfile import csv_document
from detection.exports.geojson import geojson_document
from detection.exports.kml import kml_document
from detection.values import Event, Sighting

FORMATS: dict[str, str] = {"geojson": ".geojson", "kml": ".kml", "csv": ".csv", "cot": ".cot"}


def export(sightings: Sequence[Sighting], fmt: str, events: Sequence[Event] = ()) -> str:
    """The sightings (and, for GeoJSON and KML, the events) as a ``fmt`` document."""
    if fmt == "geojson":
        return geojson_document(sightings, events)
    if fmt == "kml":
        return kml_document(sightings, events)
    if fmt == "csv":
        return csv_document(sightings)
    if fmt == "cot":
        return cot_document(sightings)
    raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "export"]
