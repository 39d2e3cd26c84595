"""borderwatch console: ``streamlit run ui/console/app.py`` (``borderwatch console`` does it with the right flags)."""

from __future__ import annotations

import streamlit as st

from ui.console.context import get_station

st.set_page_config(page_title="borderwatch", layout="wide")
get_station()  # start it before any page runs
pages = [
    st.Page("views/plan.py", title="Plan", default=True),
    st.Page("views/fly.py", title="Fly", url_path="fly"),
    st.Page("views/replay.py", title="Replay", url_path="replay"),
    st.Page("views/connections.py", title="Connections", url_path="connections"),
]
st.navigation(pages).run()
