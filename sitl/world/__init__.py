"""The simulated world: terrain, border and fence, roads, and scripted ground-truth targets.

``load_world(path)`` reads a world file (``None``: the sample world in ``sitl/data``);
``World.targets_at(t_sim_s)`` gives every target's true state; ``SimClock`` maps wall time to world time.
"""

from sitl.world.clock import SimClock
from sitl.world.ground import Ground, GroundPlane
from sitl.world.loader import load_world, sample_world_path, world_from_json
from sitl.world.looks import CLASS_IDS, PersonLook, TargetClass, TargetKind, VehicleLook
from sitl.world.model import Crossing, Fence, Lighting, Road, TerrainStyle, World
from sitl.world.targets import Target, TargetState, Trajectory

__all__ = [
    "CLASS_IDS",
    "Crossing",
    "Fence",
    "Ground",
    "GroundPlane",
    "Lighting",
    "PersonLook",
    "Road",
    "SimClock",
    "Target",
    "TargetClass",
    "TargetKind",
    "TargetState",
    "TerrainStyle",
    "Trajectory",
    "VehicleLook",
    "World",
    "load_world",
    "sample_world_path",
    "world_from_json",
]
