"""SQL for the data-quality monitor and the bulletin's submission status (报送情况).

Each function takes a ``Store`` and opens one unit of work (or joins the caller's).  They return
plain DataFrames; the rules that judge the figures live in ``jxtrack.services.quality``.
"""

from __future__ import annotations

import pandas as pd

from jxtrack.store.interface import Store


def observations_with_uploads(store: Store, periods: list[str]) -> pd.DataFrame:
    """Figures in force for ``periods`` with their upload: region, period, measure, value, note,
    upload_id, upload_kind, uploaded_at, username."""
    return store.df(
        "SELECT c.region, c.period, c.measure, c.value, c.note, c.upload_id, u.kind AS upload_kind, "
        "u.uploaded_at, u.username FROM current_observations c JOIN uploads u USING (upload_id) "
        f"WHERE {store.in_list('c.period')} AND c.value IS NOT NULL",
        [list(periods)],
    )


def latest_earlier_values(store: Store, period: str, same_year: bool) -> pd.DataFrame:
    """Per (region, measure): the figure of the latest period before ``period`` that has one
    (within the same year when ``same_year``), with its upload.  Columns region, measure,
    prev_period, prev_value, prev_upload_id.  Latest *available*, not the calendar month before:
    January is often not reported on its own (1–2月)."""
    year_clause = "AND substr(period, 1, 4) = substr(?, 1, 4)" if same_year else ""
    params: list = [period] + ([period] if same_year else [])
    return store.df(
        "SELECT region, measure, max(period) AS prev_period, "
        "(array_agg(value ORDER BY period DESC))[1] AS prev_value, "
        "(array_agg(upload_id ORDER BY period DESC))[1] AS prev_upload_id FROM current_observations "
        f"WHERE value IS NOT NULL AND period < ? {year_clause} GROUP BY region, measure",
        params,
    )


def submissions(store: Store, period: str) -> pd.DataFrame:
    """Who reported ``period``: per region with figures in force, the uploads they come from.

    Columns region, n_values, upload_ids (comma-separated, ascending), first_uploaded_at,
    last_uploaded_at, usernames, kinds (upload | demo)."""
    return store.df(
        "SELECT c.region, count(*) AS n_values, "
        "string_agg(DISTINCT CAST(c.upload_id AS VARCHAR), ',' ORDER BY CAST(c.upload_id AS VARCHAR)) AS upload_ids, "
        "min(u.uploaded_at) AS first_uploaded_at, max(u.uploaded_at) AS last_uploaded_at, "
        "string_agg(DISTINCT u.username, ',') AS usernames, string_agg(DISTINCT u.kind, ',') AS kinds "
        "FROM current_observations c JOIN uploads u USING (upload_id) "
        "WHERE c.period = ? AND c.value IS NOT NULL GROUP BY c.region",
        [period],
    )


def first_uploads(store: Store, periods: list[str]) -> pd.DataFrame:
    """When each region first reported each of ``periods``: the one definition of "first upload"
    that every 迟报 judgement uses (报送情况, 数据质量, the bulletin, ``jxtrack remind``).

    The first upload is the earliest upload **still accepted** that carried figures for the period.
    A withdrawn upload no longer counts as reported, so it does not make a report on time either:
    an on-time upload withdrawn and re-uploaded after the due date is late.  A re-upload that
    supersedes an accepted one keeps the first one's time (both stay accepted).  Columns region,
    period, upload_id, uploaded_at, kind, username (of that first upload), last_at, n_uploads."""
    first = "ORDER BY u.uploaded_at, u.upload_id))[1]"
    return store.df(
        f"SELECT o.region, o.period, (array_agg(u.upload_id {first} AS upload_id, "
        f"min(u.uploaded_at) AS uploaded_at, (array_agg(u.kind {first} AS kind, "
        f"(array_agg(u.username {first} AS username, max(u.uploaded_at) AS last_at, "
        "count(DISTINCT u.upload_id) AS n_uploads "
        "FROM observations o JOIN uploads u USING (upload_id) "
        f"WHERE u.status = 'accepted' AND {store.in_list('o.period')} GROUP BY o.region, o.period",
        [list(periods)],
    )


def first_accepted_upload(store: Store, period: str) -> pd.DataFrame:
    """``first_uploads`` of one period: columns region, upload_id, uploaded_at, kind."""
    return first_uploads(store, [period])[["region", "upload_id", "uploaded_at", "kind"]]


def has_period(store: Store, period: str) -> bool:
    """True when any figure is in force for ``period``."""
    with store.connect() as con:
        row = con.execute(
            "SELECT 1 FROM current_observations WHERE period = ? AND value IS NOT NULL LIMIT 1", [period]
        ).fetchone()
    return row is not None
