"""``borderwatch bench planning``: time to plan and validate a 100 km border patrol and a 25 km² sweep."""

from __future__ import annotations

import math
from typing import Any

from missions.camera import camera_preset
from missions.coverage import border_effectiveness
from missions.geo import LocalFrame
from missions.patterns import area_sweep, border_patrol
from missions.validation import validate
from missions.values import BorderLine, Geofence, GeoPoint, HomePosition, PatrolArea, Plan
from ui.bench.timing import median_ms

ORIGIN = GeoPoint(lat_deg=31.3333, lon_deg=-111.5)


def long_border(length_km: float = 100.0) -> BorderLine:
    """A bent border of ``length_km``: 2 km legs zig-zagging ±15° around east."""
    frame = LocalFrame(origin=ORIGIN)
    x = y = 0.0
    pts = [(x, y)]
    leg = 2000.0
    for i in range(round(length_km * 1000 / leg)):
        angle = math.radians(15 if i % 2 else -15)
        x, y = x + leg * math.cos(angle), y + leg * math.sin(angle)
        pts.append((x, y))
    return BorderLine(
        points=tuple(frame.to_geo(px, py) for px, py in pts), name=f"{length_km:g} km bench border"
    )


def square_area(side_km: float = 5.0) -> PatrolArea:
    frame = LocalFrame(origin=ORIGIN)
    h = side_km * 500.0
    outer = [(-h, -h), (h, -h), (h, h), (-h, h)]
    hole = [(-200, -200), (200, -200), (200, 200), (-200, 200)]
    return PatrolArea(
        outer=tuple(frame.to_geo(x, y) for x, y in outer),
        holes=(tuple(frame.to_geo(x, y) for x, y in hole),),
    )


def run(runs: int = 7) -> dict[str, Any]:
    camera = camera_preset("zoom")
    border = long_border(100.0)
    frame = LocalFrame(origin=ORIGIN)
    home_pt = frame.to_geo(50000.0, 3000.0)
    home = HomePosition(lat_deg=home_pt.lat_deg, lon_deg=home_pt.lon_deg, alt_amsl_m=1000.0)

    def plan_border():
        pattern, fences = border_patrol(border=border, side="north", home=home, alt_m=60.0, camera=camera)
        plan = Plan(mission=pattern.mission, fence=Geofence(polygons=fences), border=border)
        return plan, validate(plan)

    border_ms, (plan, report) = median_ms(plan_border, runs)
    eff_ms, eff = median_ms(lambda: border_effectiveness(plan.mission, border, camera, drones=4), 3)

    area = square_area(5.0)
    centre = frame.to_geo(0.0, 0.0)
    sweep_home = HomePosition(lat_deg=centre.lat_deg, lon_deg=centre.lon_deg - 0.03, alt_amsl_m=1000.0)

    def plan_sweep():
        pattern = area_sweep(area=area, home=sweep_home, alt_m=60.0, camera=camera)
        plan = Plan(mission=pattern.mission)
        return plan, validate(plan)

    sweep_ms, (sweep_plan, sweep_report) = median_ms(plan_sweep, runs)
    return {
        "benchmark": "planning",
        "runs": runs,
        "border_patrol_100km": {
            "plan_and_validate_ms_median": round(border_ms, 1),
            "goal_ms": 100.0,
            "meets_goal": border_ms <= 100.0,
            "border_km": round(eff.border_length_m / 1000, 2),
            "waypoints": len(plan.mission.items),
            "findings": len(report.findings),
            "effectiveness_ms_median": round(eff_ms, 1),
            "coverage_share": round(eff.coverage_share, 4),
            "worst_revisit_gap_s_4_drones": eff.worst_gap_s,
        },
        "sweep_25km2": {
            "plan_and_validate_ms_median": round(sweep_ms, 1),
            "waypoints": len(sweep_plan.mission.items),
            "findings": len(sweep_report.findings),
        },
    }
