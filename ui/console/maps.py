"""Folium maps that work offline: local JavaScript/CSS, configurable tiles, and the layers the pages draw."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import folium
import numpy as np
from branca.element import MacroElement, Template
from folium.plugins import FastMarkerCluster

from missions.geo import LocalFrame
from missions.values import BorderLine, FenceCircle, FencePolygon, GeoPoint, Mission
from ui.console.assets import CSS, JS, LEAFLET_IMAGES, URL_PREFIX
from ui.console.settings import TileConfig

SEVERITY_COLOURS = {"error": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}
CLASS_COLOURS = {"person": "#e377c2", "vehicle": "#17becf", "boat": "#2ca02c"}


class _IconPath(MacroElement):
    """Points Leaflet's default marker icons at the local copy (the Draw plugin's marker tool uses them)."""

    _template = Template(
        "{% macro script(this, kwargs) %}L.Icon.Default.prototype.options.imagePath = '"
        + LEAFLET_IMAGES
        + "';{% endmacro %}"
    )


def localize(root: folium.MacroElement) -> list[str]:
    """Swap every CDN script and stylesheet in ``root`` (and its children) for the local copy.

    Returns the resource names that have no local copy (they are dropped, so nothing loads from the
    internet); an empty list is the normal case.
    """
    dropped: list[str] = []

    def walk(element):
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(root):
        for attr, table in (("default_js", JS), ("default_css", CSS)):
            resources = getattr(element, attr, None)
            if not resources:
                continue
            kept = []
            for name, _url in resources:
                if name in table:
                    kept.append((name, f"{URL_PREFIX}/{table[name]}"))
                else:
                    dropped.append(name)
            setattr(element, attr, kept)
    return dropped


def base_map(center: GeoPoint, tiles: TileConfig, *, zoom: int = 13) -> folium.Map:
    m = folium.Map(location=(center.lat_deg, center.lon_deg), zoom_start=zoom, tiles=None, control_scale=True,
                   max_zoom=22)  # fmt: skip
    if tiles.kind == "url":
        folium.TileLayer(tiles=tiles.url_template, attr=tiles.attribution, name="map", max_zoom=22).add_to(m)
    elif tiles.kind == "folder":
        folium.TileLayer(
            tiles="/app/static/tiles/{z}/{x}/{y}.png", attr=tiles.attribution, name="map", max_zoom=22
        ).add_to(m)
    m.add_child(_IconPath())
    localize(m)
    return m


def _latlon(points: Iterable[GeoPoint]) -> list[tuple[float, float]]:
    return [(p.lat_deg, p.lon_deg) for p in points]


def border_layer(border: BorderLine, name: str = "border") -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name)
    folium.PolyLine(_latlon(border.points), color="#b00020", weight=4, dash_array="10 6",
                    tooltip=html.escape(border.name or "border")).add_to(fg)  # fmt: skip
    return fg


def zones_layer(
    polygons: Sequence[FencePolygon], circles: Sequence[FenceCircle] = (), name: str = "zones"
) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name)
    for poly in polygons:
        colour = "#2ca02c" if poly.inclusion else "#d62728"
        folium.Polygon(_latlon(poly.vertices), color=colour, weight=2, fill=True, fill_opacity=0.08 if poly.inclusion else 0.18,
                       tooltip="keep-in" if poly.inclusion else "keep-out").add_to(fg)  # fmt: skip
    for circle in circles:
        colour = "#2ca02c" if circle.inclusion else "#d62728"
        folium.Circle((circle.center.lat_deg, circle.center.lon_deg), radius=circle.radius_m, color=colour, weight=2, fill=True,
                      fill_opacity=0.1, tooltip="keep-in circle" if circle.inclusion else "keep-out circle").add_to(fg)  # fmt: skip
    return fg


def route_layer(
    mission: Mission, *, name: str = "route", colour: str = "#1f77b4", current_seq: int | None = None
) -> folium.FeatureGroup:
    """The mission path from home through each place, with a numbered dot per item (seq as on the vehicle)."""
    fg = folium.FeatureGroup(name=name)
    home = mission.home
    path = [(home.lat_deg, home.lon_deg)]
    for seq, wp in enumerate(mission.items, start=1):
        if not wp.has_location or wp.command in (195, 201):
            continue
        path.append((wp.lat_deg, wp.lon_deg))
        current = current_seq == seq
        folium.CircleMarker((wp.lat_deg, wp.lon_deg), radius=7 if current else 4, color="#ffbf00" if current else colour,
                            fill=True, fill_opacity=0.9,
                            tooltip=f"{seq}: {wp.command_name} {wp.alt_m:g} m").add_to(fg)  # fmt: skip
    folium.PolyLine(path, color=colour, weight=3, opacity=0.8).add_to(fg)
    folium.CircleMarker((home.lat_deg, home.lon_deg), radius=6, color="#000", fill=True, fill_color="#fff",
                        tooltip="home").add_to(fg)  # fmt: skip
    return fg


def polygon_layer(
    rings: Sequence[Sequence[GeoPoint]], *, name: str, colour: str, opacity: float = 0.2
) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name)
    for ring in rings:
        folium.Polygon(_latlon(ring), color=colour, weight=0, fill=True, fill_opacity=opacity).add_to(fg)
    return fg


def findings_layer(findings: Sequence, name: str = "findings") -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name)
    for f in findings:
        if f.location is None:
            continue
        folium.CircleMarker((f.location.lat_deg, f.location.lon_deg), radius=9, color=SEVERITY_COLOURS[f.severity.value],
                            weight=3, fill=False, tooltip=html.escape(f"{f.severity.value}: {f.message}")).add_to(fg)  # fmt: skip
    return fg


def drone_icon(heading_deg: float, label: str, stale: bool) -> folium.DivIcon:
    colour = "#888" if stale else "#0b61a4"
    arrow = (
        f'<div style="transform: rotate({heading_deg:.0f}deg); width: 26px; height: 26px; font-size: 22px; '
        f'line-height: 26px; text-align: center; color: {colour};">&#x27A4;</div>'
    )
    # the arrow glyph points east; rotate it to point north at heading 0
    arrow = arrow.replace(f"rotate({heading_deg:.0f}deg)", f"rotate({heading_deg - 90:.0f}deg)")
    tag = f'<div class="bw-drone-label" style="font: 11px sans-serif; color: {colour}; white-space: nowrap;">{html.escape(label)}{" (stale)" if stale else ""}</div>'
    return folium.DivIcon(html=arrow + tag, icon_size=(26, 26), icon_anchor=(13, 13))


def ellipse_points(
    center: GeoPoint, semi_major_m: float, semi_minor_m: float, orientation_deg: float, n: int = 36
) -> list[tuple[float, float]]:
    """An error ellipse as a lat/lon ring (major axis ``orientation_deg`` clockwise from north)."""
    a = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    along, across = semi_major_m * np.cos(a), semi_minor_m * np.sin(a)
    theta = math.radians(orientation_deg)
    north = along * math.cos(theta) - across * math.sin(theta)
    east = along * math.sin(theta) + across * math.cos(theta)
    return _latlon(LocalFrame(origin=center).geo_array(np.column_stack([east, north])))


def ellipse_rings(sightings: Sequence, n: int = 16) -> list[list[tuple[float, float]]]:
    """Every sighting's error ellipse as a (lon, lat) ring, projected in one call (fast for thousands)."""
    if not sightings:
        return []
    frame = LocalFrame.around([GeoPoint(lat_deg=s.lat_deg, lon_deg=s.lon_deg) for s in sightings])
    centres = frame.xy_array([GeoPoint(lat_deg=s.lat_deg, lon_deg=s.lon_deg) for s in sightings])
    a = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    major = np.array([s.ellipse.semi_major_m for s in sightings])[:, None]
    minor = np.array([s.ellipse.semi_minor_m for s in sightings])[:, None]
    theta = np.radians([s.ellipse.orientation_deg for s in sightings])[:, None]
    along, across = major * np.cos(a), minor * np.sin(a)
    east = centres[:, :1] + along * np.sin(theta) + across * np.cos(theta)
    north = centres[:, 1:] + along * np.cos(theta) - across * np.sin(theta)
    lon, lat = frame.lonlat_arrays(np.column_stack([east.ravel(), north.ravel()]))
    ring = np.stack([lon.reshape(-1, n), lat.reshape(-1, n)], axis=-1).round(6)  # 0.1 m
    closed = np.concatenate([ring, ring[:, :1]], axis=1)
    return closed.tolist()


def sightings_layers(
    sightings: Sequence, crossed: set[str], *, cluster: bool, name: str = "sightings"
) -> list:
    """Sightings as two GeoJSON layers (error ellipses, and points — clustered when asked), each one
    element however many sightings there are: thousands draw in milliseconds."""
    if not sightings:
        return []
    features_e, features_p = [], []
    for s, ring in zip(sightings, ellipse_rings(sightings), strict=True):
        colour = "#d62728" if s.sighting_id in crossed else CLASS_COLOURS.get(s.class_name, "#333333")
        label = f"{s.class_name} {s.confidence:.2f} · {s.status.value} · {s.mgrs}" + (
            " · CROSSED" if s.sighting_id in crossed else ""
        )
        features_e.append(
            {
                "type": "Feature",
                "properties": {"colour": colour},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
        features_p.append({"type": "Feature", "properties": {"colour": colour, "label": label, "id": s.sighting_id},
                           "geometry": {"type": "Point", "coordinates": [s.lon_deg, s.lat_deg]}})  # fmt: skip
    ellipses = folium.GeoJson(
        {"type": "FeatureCollection", "features": features_e}, name=f"{name} error ellipses",
        style_function=lambda f: {"color": f["properties"]["colour"], "weight": 1, "fillOpacity": 0.12},
    )  # fmt: skip
    if cluster:
        data = [[f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0], f["properties"]["label"], f["properties"]["colour"]]
                for f in features_p]  # fmt: skip
        callback = (
            "function (row) { var m = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 5, color: row[3], "
            "fillOpacity: 0.9, className: 'bw-sighting'}); m.bindTooltip(row[2]); return m; }"
        )
        points = FastMarkerCluster(data, callback=callback, name=name)
    else:
        points = folium.GeoJson(
            {"type": "FeatureCollection", "features": features_p}, name=name,
            marker=folium.CircleMarker(radius=5, fill=True, fill_opacity=0.9, class_name="bw-sighting"),
            style_function=lambda f: {"color": f["properties"]["colour"], "fillColor": f["properties"]["colour"]},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        )  # fmt: skip
    return [ellipses, points]
