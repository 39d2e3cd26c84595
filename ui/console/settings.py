"""Console configuration, from environment variables (documented in the README).

| variable                 | default            | meaning |
|--------------------------|--------------------|---------|
| BORDERWATCH_DATA_DIR     | ./data             | database, tlogs, snapshots, audit log, saved plans |
| BORDERWATCH_TILES        | none               | map tiles: ``none`` (offline, grey), ``osm`` (OpenStreetMap, needs internet), a URL template ``https://…/{z}/{x}/{y}.png``, or a local folder of ``{z}/{x}/{y}.png`` tiles |
| BORDERWATCH_OPERATOR     | $USER              | the name written to the audit log for commands sent from this console |
| BORDERWATCH_BORDER       | the sample border  | GeoJSON/KML/.plan with the border line that crossing alerts are raised for (``none`` for none) |
| BORDERWATCH_PLAN_DEFAULTS| 10,3,2             | the Plan page's starting patrol speed (m/s), sectors and sector: ``speed,sectors,sector`` |
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from missions.samples import sample_border_path


@dataclass(frozen=True, kw_only=True)
class TileConfig:
    kind: str  # none | url | folder
    url_template: str = ""
    attribution: str = ""
    folder: Path | None = None


@dataclass(frozen=True, kw_only=True)
class ConsoleSettings:
    data_dir: Path
    tiles: TileConfig
    operator: str
    border_file: Path | None = None
    plan_speed_m_s: float = 10.0
    plan_sectors: int = 3
    plan_sector: int = 2

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'borderwatch.sqlite'}"


def parse_tiles(value: str) -> TileConfig:
    """``none``, ``osm``, a URL template, or a folder.

    >>> parse_tiles("osm").kind, parse_tiles("none").kind, parse_tiles("https://t/{z}/{x}/{y}.png").kind
    ('url', 'none', 'url')
    """
    value = value.strip()
    if value in ("", "none", "off"):
        return TileConfig(kind="none")
    if value == "osm":
        return TileConfig(
            kind="url",
            url_template="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attribution="© OpenStreetMap contributors",
        )
    if value.startswith(("http://", "https://")):
        return TileConfig(kind="url", url_template=value, attribution="tiles: " + value.split("/")[2])
    return TileConfig(kind="folder", folder=Path(value).expanduser().resolve(), attribution="local tiles")


def load_settings() -> ConsoleSettings:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "operator"
    return ConsoleSettings(
        data_dir=Path(os.environ.get("BORDERWATCH_DATA_DIR", "data")).resolve(),
        tiles=parse_tiles(os.environ.get("BORDERWATCH_TILES", "none")),
        operator=os.environ.get("BORDERWATCH_OPERATOR", user),
        border_file=_border_file(os.environ.get("BORDERWATCH_BORDER", "")),
        **_plan_defaults(os.environ.get("BORDERWATCH_PLAN_DEFAULTS", "")),
    )


def _plan_defaults(value: str) -> dict[str, float | int]:
    """``speed,sectors,sector`` (e.g. ``5,6,3``); empty or malformed: the built-in defaults.

    >>> _plan_defaults("5,6,3"), _plan_defaults("")
    ({'plan_speed_m_s': 5.0, 'plan_sectors': 6, 'plan_sector': 3}, {})
    """
    try:
        speed, sectors, sector = value.split(",")
        out = {"plan_speed_m_s": float(speed), "plan_sectors": int(sectors), "plan_sector": int(sector)}
    except ValueError:
        return {}
    ok = 2.0 <= out["plan_speed_m_s"] <= 20.0 and 1 <= out["plan_sector"] <= out["plan_sectors"] <= 10
    return out if ok else {}


def _border_file(value: str) -> Path | None:
    if value.strip().lower() == "none":
        return None
    return Path(value).expanduser().resolve() if value.strip() else sample_border_path()
