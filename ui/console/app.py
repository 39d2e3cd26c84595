"""borderwatch console: ``streamlit run ui/console/app.py`` (``borderwatch console`` does it with the right flags)."""

from __future__ import annotations

import streamlit as st

from ui.console.context import get_station

st.set_page_config(page_title="borderwatch", page_icon="🛰", layout="wide")
get_station()  # start it before any page runs
pages = [
    st.Page("pages/plan.py", title="Plan", icon="🗺", url_path="plan", default=True),
    st.Page("pages/fly.py", title="Fly", icon="✈", url_path="fly"),
    st.Page("pages/replay.py", title="Replay", icon="⏪", url_path="replay"),
    st.Page("pages/connections.py", title="Connections", icon="🔌", url_path="connections"),
]
st.navigation(pages).run()
