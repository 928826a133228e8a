"""Cached reads.  Keys always hold the database path and its data version (see
``store.admin.data_version``), so a new upload or target change — from this app or the CLI — is
seen at once; writes made here also clear the caches explicitly.  ``st.cache_data`` is shared by
every session (and every AppTest in one process), hence the path in every key."""

from __future__ import annotations

import time

import streamlit as st

from jxtrack.domain import clock
from jxtrack.domain.access import User
from jxtrack.services import cycle, lookup, projects, status_table
from jxtrack.services import regions as regions_svc
from jxtrack.services import targets as targets_svc
from jxtrack.services import views as ws
from jxtrack.store import admin as store_admin
from jxtrack.store.interface import Store

TTL = 600


@st.cache_resource(max_entries=16)
def store_for(path: str) -> Store:
    return Store(path)


def store() -> Store:
    from jxtrack.store.interface import target_from_env

    return store_for(Store(target_from_env()).key)


# the data version, read at most once per VERSION_TTL seconds by this process -- and at least once
# in every run of the app (begin_run), so a write made anywhere (the CLI, another app server) before
# a run starts is seen by that run
_versions: dict[str, tuple[float, tuple]] = {}
VERSION_TTL = 2.0  # seconds
_RUN_STARTED = "_jx_run_started"


def begin_run() -> None:
    """Called by the frame (app.py) at the start of every run: versions read before now are not
    trusted by this run."""
    st.session_state[_RUN_STARTED] = time.monotonic()


def version(s: Store) -> tuple[int, ...]:
    t = time.monotonic()
    run_started = st.session_state.get(_RUN_STARTED, float("-inf"))
    hit = _versions.get(s.key)
    if hit and hit[0] >= run_started and t - hit[0] < VERSION_TTL:
        return hit[1]
    v = store_admin.data_version(s)
    _versions[s.key] = (t, v)   # t: when the read began
    return v


def invalidate() -> None:
    """Call after any write that changes figures or targets."""
    _versions.clear()
    st.cache_data.clear()
    status_table.clear_status_cache()


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _is_demo(path: str, v: tuple) -> bool:
    return store_for(path).is_demo()


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _periods(path: str, v: tuple) -> list[str]:
    return regions_svc.periods(store_for(path))


# the views say whether a month is still being collected, which the date decides: the Beijing day
# is part of their keys (``today``), like the period menu's
@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _period_menu(path: str, v: tuple, today) -> cycle.PeriodMenu:
    return cycle.period_menu(store_for(path))


@st.cache_data(ttl=TTL, max_entries=64, show_spinner="正在计算各指标完成情况…")
def _overview(path: str, v: tuple, period: str | None, user: User, today):
    return ws.overview(store_for(path), period, user)


@st.cache_data(ttl=TTL, max_entries=128, show_spinner="正在计算逐月走势…")
def _detail(path: str, v: tuple, indicator: str, period: str | None, region: str | None, user: User, today):
    return ws.indicator_detail(store_for(path), indicator, period, region, user)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner="正在计算区县得分…")
def _scorecard(path: str, v: tuple, region: str, period: str | None, user: User, today):
    return ws.county_scorecard(store_for(path), region, period, user)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _regions(path: str, v: tuple, user: User):
    return regions_svc.visible_regions(store_for(path), user)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _targets(path: str, v: tuple, user: User):
    return targets_svc.targets_view(store_for(path), user)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _projects(path: str, v: tuple, user: User, today):
    return projects.projects_view(store_for(path), user, as_of=today)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _project_fund(path: str, v: tuple, user: User, year: int, today):
    return projects.fund_view(store_for(path), user, year, as_of=today)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _ledger_template(path: str, v: tuple, user: User):
    return projects.ledger_template(store_for(path), user)


def _key(s: Store) -> tuple[str, tuple]:
    return s.key, version(s)


def is_demo(s: Store) -> bool:
    return _is_demo(*_key(s))


def periods(s: Store) -> list[str]:
    return _periods(*_key(s))


def period_menu(s: Store) -> cycle.PeriodMenu:
    """The report periods to offer, the default one and the months still being collected."""
    return _period_menu(*_key(s), clock.today())


def overview(s: Store, period: str | None, user: User):
    return _overview(*_key(s), period, user, clock.today())


def indicator_detail(s: Store, indicator: str, period: str | None, region: str | None, user: User):
    return _detail(*_key(s), indicator, period, region, user, clock.today())


def county_scorecard(s: Store, region: str, period: str | None, user: User):
    return _scorecard(*_key(s), region, period, user, clock.today())


def regions(s: Store, user: User):
    return _regions(*_key(s), user)


def targets_view(s: Store, user: User):
    return _targets(*_key(s), user)


def projects_view(s: Store, user: User):
    """The 项目库 tables (subsidies are judged as of today in Beijing: the day is part of the key)."""
    return _projects(*_key(s), user, projects.today())


def project_fund(s: Store, user: User, year: int):
    """The 资金使用 tab for ``year``: (fund row, forecast)."""
    return _project_fund(*_key(s), user, year, projects.today())


def ledger_template(s: Store, user: User):
    return _ledger_template(*_key(s), user)


@st.cache_resource(max_entries=8)
def _catalog(path: str, v: tuple):
    return lookup.catalog(store_for(path))


def catalog(s: Store):
    """The database's catalog (``lookup.catalog`` caches it by data version; asked here through
    the version this module already holds, so a page run opens no connection just to check it)."""
    return _catalog(*_key(s))
