"""The map's JavaScript and CSS, served by the console itself so the map works offline.

folium loads Leaflet, Leaflet.draw, jQuery, Bootstrap, awesome-markers, Font Awesome and
MarkerCluster from CDNs. The setup step (``python -m ui.console.assets``, run by the Makefile) takes
them from the npm registry into ``ui/console/static/vendor/`` (not committed); Streamlit serves that
folder at ``/app/static/``. ``offline_js``/``offline_css`` say which local file replaces which CDN one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
URL_PREFIX = "/app/static/vendor"

# npm package -> (folder under vendor/, folders of the package to keep)
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "leaflet@1.9.3": ("leaflet", ("dist",)),
    "leaflet-draw@1.0.4": ("leaflet-draw", ("dist",)),
    "jquery@3.7.1": ("jquery", ("dist",)),
    "bootstrap@5.2.2": ("bootstrap", ("dist",)),
    "leaflet.awesome-markers@2.0.5": ("awesome-markers", ("dist",)),
    "@fortawesome/fontawesome-free@6.2.0": ("fontawesome", ("css", "webfonts")),
    "leaflet.markercluster@1.5.3": ("markercluster", ("dist",)),
}

# folium's resource names -> our local files
JS = {
    "leaflet": "leaflet/dist/leaflet.js",
    "jquery": "jquery/dist/jquery.min.js",
    "bootstrap": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "awesome_markers": "awesome-markers/dist/leaflet.awesome-markers.min.js",
    "leaflet_draw_js": "leaflet-draw/dist/leaflet.draw.js",
    "markerclusterjs": "markercluster/dist/leaflet.markercluster.js",
}
CSS = {
    "leaflet_css": "leaflet/dist/leaflet.css",
    "bootstrap_css": "bootstrap/dist/css/bootstrap.min.css",
    "awesome_markers_font_css": "fontawesome/css/all.min.css",
    "awesome_markers_css": "awesome-markers/dist/leaflet.awesome-markers.css",
    "leaflet_draw_css": "leaflet-draw/dist/leaflet.draw.css",
    "markerclustercss": "markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/dist/MarkerCluster.Default.css",
}
LEAFLET_IMAGES = f"{URL_PREFIX}/leaflet/dist/images/"


def missing() -> list[str]:
    """Local files the console needs that are not there yet."""
    return [rel for rel in (*JS.values(), *CSS.values()) if not (VENDOR_DIR / rel).is_file()]


def fetch(dest: Path = VENDOR_DIR) -> None:
    """Download the packages from the npm registry with ``npm pack`` and unpack what the map needs."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch the map's JavaScript (apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", "--silent", *PACKAGES], cwd=tmp, check=True, stdout=subprocess.DEVNULL, timeout=300
        )
        for spec, (folder, keep) in PACKAGES.items():
            name, version = spec.rsplit("@", 1)
            tgz = Path(tmp) / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
            target = dest / folder
            shutil.rmtree(target, ignore_errors=True)
            with tarfile.open(tgz) as tar:
                members = [
                    m for m in tar.getmembers() if m.name.split("/")[1:2] and m.name.split("/")[1] in keep
                ]
                for m in members:
                    m.name = m.name.split("/", 1)[1]
                tar.extractall(target, members=members, filter="data")


def main() -> int:
    if not missing():
        print(f"map assets present in {VENDOR_DIR}")
        return 0
    fetch()
    still = missing()
    if still:
        print(f"map assets still missing: {still}", file=sys.stderr)
        return 1
    print(f"map assets fetched into {VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
