"""jxtrack web app: the frame and router only.  Page config, sign-in, st.navigation with the pages
the signed-in role may see, the shared sidebar, then the page."""

import streamlit as st

from jxtrack.present import fmt
from jxtrack.store.interface import StoreError
from jxtrack.ui import cache, common, frame, nav, session

# the icon is a file served by this app: a ":material/…:" icon is fetched from fonts.gstatic.com,
# which many government networks cannot reach
st.set_page_config(page_title="嘉兴制造业目标跟踪", page_icon=str(frame.FAVICON), layout="wide",
                   initial_sidebar_state="auto")
frame.install()   # Chinese for Streamlit's own words, phone layouts, titles (every page, sign-in too)


def unavailable() -> None:
    """Every address while the database stays busy past its wait: why, and a retry."""
    st.error(fmt.plain(trouble))
    st.button("重试", type="primary", key="retry")


cache.begin_run()   # this run sees every write committed before it, from any process or server
trouble = None
try:
    user = session.current_user()
except StoreError as exc:
    user, trouble = None, exc
if trouble is not None:
    # st.navigation is called on every run (without it Streamlit would list and run pages/ itself);
    # the address stays, so a retry opens the page asked for
    page = st.navigation([st.Page(unavailable, title="请稍后重试", url_path="busy", default=True)]
                         + [st.Page(unavailable, title="请稍后重试", url_path=p.url) for p in nav.PAGES],
                         position="hidden")
elif user is None:
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
    with common.guard():
        regions = cache.regions(cache.store(), user).set_index("code")["name"]
    session.sidebar(user, regions.get(user.region) if user.region else None)
with common.guard():  # one boundary for every page: a problem a user can act on is a message, not an error box
    page.run()
