"""Sample data shipped with borderwatch, used by the demo and the tests."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def sample_border_path() -> Path:
    """GeoJSON of ~16 km of the US-Mexico boundary west of Nogales, with home and a keep-out zone."""
    return DATA_DIR / "sample_border.geojson"
