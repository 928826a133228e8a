"""区县 keeps its county and period in the address (``?county_region=…&county_period=…``,
Streamlit's ``bind="query-params"``), so a reload (F5) or a shared link opens the same scorecard;
a value that is not one of the choices (another county's link, an old period) is ignored."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from jxtrack.ui import session
from metrics.periods import label_ytd

from .conftest import APP, USERS


def _county(query: dict[str, str], user: str = "leader") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[session.USER_KEY] = USERS[user]
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/county.py")
    at.run()
    assert not at.exception
    return at


def test_county_and_period_come_from_the_address(demo_ro):
    at = _county({})
    default_title = at.title[0].value
    choices = at.selectbox(key="county_period").options
    older = choices[2]   # the third newest period, as the picker shows it (2026年1–8月)
    at = _county({"county_region": "海宁市", "county_period": older})
    assert at.selectbox(key="county_region").value == "330481"
    assert at.title[0].value == f"海宁市 · {older}"
    assert at.title[0].value != default_title


def test_a_value_not_among_the_choices_is_ignored(demo_ro):
    at = _county({"county_region": "火星区", "county_period": "2099年1–13月"})
    assert at.title[0].value == _county({}).title[0].value      # the defaults: 南湖区, newest period


def test_a_county_user_opens_on_their_county_without_a_link(demo_ro):
    at = _county({}, user="county")
    assert at.selectbox(key="county_region").value == "330421"
    assert at.title[0].value.startswith("嘉善县 · ")


def test_period_label_is_what_the_address_holds(demo_ro):
    """The address holds the period as the picker shows it (readable in a shared link)."""
    at = _county({"county_period": label_ytd("2026-08")})
    assert at.selectbox(key="county_period").value == "2026-08"
