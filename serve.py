"""Start the web app: ``streamlit run serve.py``.

Streamlit serves ``app.py`` (the frame and router) through ``st.App``, together with the two small
HTTP routes that set and clear the HttpOnly sign-in cookie (``jxtrack.ui.cookie_routes``), so a
signed-in user stays signed in across a reload (F5) and in a new tab.  ``streamlit run app.py``
still works, but then every reload asks for the password again, and downloads are not guarded.

``cookie_routes.DownloadGuard`` serves the files of download buttons (``/media/…``) only to a
browser signed in with that cookie."""

import streamlit as st
from starlette.middleware import Middleware

from jxtrack.ui import cookie_routes

app = st.App("app.py", routes=cookie_routes.routes(), middleware=[Middleware(cookie_routes.DownloadGuard)])
