"""What every page shares: the station (one per server process) and the settings."""

from __future__ import annotations

import atexit
import os

import streamlit as st

from missions.formats import load_features_file
from ui.console.settings import ConsoleSettings, load_settings
from ui.station.station import Station, StationConfig


@st.cache_resource(show_spinner="starting the station")
def get_station() -> Station:
    """Created once per console server (not per page rerun); stopped when the server exits."""
    settings = load_settings()
    border = None
    if settings.border_file is not None:
        features = load_features_file(settings.border_file)
        border = features.borders[0] if features.borders else None
    station = Station(StationConfig(data_dir=settings.data_dir, border=border))
    atexit.register(station.stop)
    demo = int(os.environ.get("BORDERWATCH_DEMO_DRONES", "0") or 0)
    if demo > 0:
        from ui.station.demo import start_demo

        start_demo(station, drones=demo)
    return station


@st.cache_resource
def get_settings() -> ConsoleSettings:
    return load_settings()


def operator() -> str:
    return get_settings().operator
