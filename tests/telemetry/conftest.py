"""Fixtures shared by the link tests (simulated vehicles and real ArduPilot SITL)."""

from __future__ import annotations

import pytest

from missions.camera import camera_preset
from missions.formats import load_features_file
from missions.patterns import border_patrol, border_sector
from missions.samples import sample_border_path
from missions.values import FenceCircle, Geofence, Plan, RallyPoint


@pytest.fixture(scope="module")
def sample_plan() -> Plan:
    """A real patrol of the sample border: mission, keep-out fence with an 8 km inclusion circle, rally."""
    f = load_features_file(sample_border_path())
    sector = border_sector(f.borders[0], 2, 3)
    pattern, far_side = border_patrol(
        border=sector, side="north", home=f.home, alt_m=60.0, camera=camera_preset("zoom")
    )
    return Plan(
        mission=pattern.mission,
        fence=Geofence(
            polygons=far_side + f.zones,
            circles=(FenceCircle(center=f.home.point, radius_m=8000.0, inclusion=True),),
        ),
        rally_points=(RallyPoint(lat_deg=31.349, lon_deg=-110.982, alt_m=40.0),),
        border=sector,
        camera_name="zoom",
    )
