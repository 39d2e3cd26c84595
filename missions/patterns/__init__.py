"""Patrol patterns: each returns a Mission with its estimates (length, time, battery)."""

from missions.patterns.border import SIDES, border_patrol, border_sector
from missions.patterns.common import PatternResult
from missions.patterns.shapes import expanding_square, orbit, perimeter
from missions.patterns.sweep import area_sweep

__all__ = [
    "SIDES",
    "PatternResult",
    "area_sweep",
    "border_patrol",
    "border_sector",
    "expanding_square",
    "orbit",
    "perimeter",
]
