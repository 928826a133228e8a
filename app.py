"""jxtrack web app: the frame and router only.  Page config, sign-in, st.navigation with the pages
the signed-in role may see, the shared sidebar, then the page."""

import streamlit as st

from jxtrack.ui import cache, nav, session

st.set_page_config(page_title="嘉兴制造业目标跟踪", page_icon=":material/dashboard:", layout="wide",
                   initial_sidebar_state="auto")

cache.begin_run()   # this run sees every write committed before it, from any process or server
user = session.current_user()
if user is None:
    # every page address shows the sign-in form, so a deep link (or a sign-out) lands on it and,
    # once signed in, the same address opens the page asked for
    page = st.navigation(
        [st.Page(session.login_page, title="登录", icon=":material/login:", url_path="login", default=True)]
        + [st.Page(session.login_page, title="登录", url_path=p.url) for p in nav.PAGES],
        position="hidden")
else:
    page = st.navigation([
        st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url, default=(i == 0))
        for i, p in enumerate(nav.pages_for(user))
    ])
    regions = cache.regions(cache.store(), user).set_index("code")["name"]
    session.sidebar(user, regions.get(user.region) if user.region else None)
page.run()
