"""CSV: one row per sighting, the same columns as the GeoJSON properties, times in ISO 8601 UTC."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from detection.exports.common import sighting_properties
from detection.values import ErrorEllipse, Sighting

_BLANK = Sighting(
    sighting_id="", flight_id="", vehicle="", class_name="person", confidence=0.0, first_seen_unix_s=0.0,
    last_seen_unix_s=0.0, lat_deg=0.0, lon_deg=0.0, alt_amsl_m=0.0, position_t_unix_s=0.0,
    ellipse=ErrorEllipse(semi_major_m=0.0, semi_minor_m=0.0, orientation_deg=0.0), mgrs="", track_id=0, track_frames=0,
)  # fmt: skip
CSV_COLUMNS: tuple[str, ...] = tuple(sighting_properties(_BLANK))


def csv_document(sightings: Sequence[Sighting]) -> str:
    """Header row then one row per sighting; empty cells for unknown values."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for s in sightings:
        writer.writerow({k: "" if v is None else v for k, v in sighting_properties(s).items()})
    return out.getvalue()
