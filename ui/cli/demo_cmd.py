"""``borderwatch demo --plans-only``: plan a patrol per sector of the sample border and print what was planned."""

from __future__ import annotations

import argparse
from pathlib import Path

from missions.camera import camera_preset
from missions.coverage import border_effectiveness
from missions.formats import dump_plan_file, load_features_file
from missions.patterns import border_patrol, border_sector
from missions.samples import sample_border_path
from missions.validation import validate
from missions.values import Geofence, Plan
from ui.cli.output import minutes


def cmd_demo(args: argparse.Namespace) -> int:
    features = load_features_file(sample_border_path())
    border = features.borders[0]
    camera = camera_preset("zoom")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"Sample border: {border.name}")
    print(
        f"Home: {features.home.lat_deg:.5f}, {features.home.lon_deg:.5f}; keep-out zones: {len(features.keep_out)}"
    )
    for k in range(1, args.drones + 1):
        sector = border_sector(border, k, args.drones)
        pattern, far_side = border_patrol(
            border=sector, side="north", home=features.home, alt_m=60.0, camera=camera
        )
        plan = Plan(
            mission=pattern.mission,
            fence=Geofence(polygons=far_side + features.zones),
            border=sector,
            camera_name=camera.name,
        )
        report = validate(plan)
        eff = border_effectiveness(plan.mission, sector, camera, drones=1)
        path = out_dir / f"sector-{k}-of-{args.drones}.plan"
        dump_plan_file(plan, path)
        est = pattern.estimates
        print(
            f"\nDrone {k}: {sector.name}\n"
            f"  {len(plan.mission.items)} items, {est.length_m / 1000:.1f} km, {minutes(est.flight_time_s)}, "
            f"battery {est.battery_pct:.0f}%\n"
            f"  border seen: {100 * eff.coverage_share:.1f}% of {eff.border_length_m / 1000:.2f} km; "
            f"worst revisit gap {minutes(eff.worst_gap_s) if eff.worst_gap_s is not None else 'unseen'}\n"
            f"  validation: {len(report.errors)} error(s), {len(report.warnings)} warning(s)\n"
            f"  saved {path}"
        )
    return 0
