"""The floor for the status table: one hand-written DuckDB query computing its core columns.

What a competent engineer would write by hand, straight from the database, for one period:
newest values per region/period/measure from accepted uploads; indicators from their parts (sums;
ratios Σ × scale / denominator, the county's own rate where it sent only the rate); the city rolled
up from its summable counties as Σnumerators / Σdenominators; the binding target (override, else
official before draft, else the latest issued), the city's target for ratio kinds where a county
has none; 序时 expected (N/12; straight path from last December for levels; from the baseline for
cumulative targets); the light (thresholds from the catalog, 已完成, milestones, an incomplete city
total not judged); 同比; rank among counties.  It leaves out what the product adds around that core
(forecast, pace, 环比, averages, notes, names, grey rows for counties that sent nothing).

``make bench`` times it next to ``services.status`` and checks that the two agree.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

CORE = ["actual", "target", "expected", "light", "yoy", "rank"]

FLOOR_SQL = r"""
WITH
ind AS (
    SELECT code AS indicator, kind, formula, scale, scope, green_min_pp, yellow_min_pp,
           CASE WHEN direction = 'down' THEN -1.0 ELSE 1.0 END AS sgn,
           string_split(numerator, '+') AS nums,
           nullif(trim(denominator), '') AS den, nullif(trim(reported_rate), '') AS rate
    FROM indicators),
terms AS (
    SELECT indicator, unnest(nums) AS measure, 'num' AS role FROM ind
    UNION ALL SELECT indicator, den, 'den' FROM ind WHERE den IS NOT NULL
    UNION ALL SELECT indicator, rate, 'rate' FROM ind WHERE rate IS NOT NULL),
regs AS (
    SELECT code AS region, level, parent, summable,
           CASE WHEN level = 'city' THEN code ELSE parent END AS city
    FROM regions WHERE level IN ('city', 'county', 'zone')),
-- figures in force: the newest accepted upload per region, period and measure
obs AS (
    SELECT region, period, measure, value FROM (
        SELECT o.region, o.period, o.measure, arg_max_null(o.value, o.upload_id) AS value
        FROM observations o JOIN uploads u USING (upload_id)
        WHERE u.status = 'accepted' AND o.period IN ($period, $ly, $ly_dec, $base)
        GROUP BY ALL)
    WHERE value IS NOT NULL),
parts AS (
    SELECT o.region, o.period, t.indicator,
           sum(o.value) FILTER (WHERE t.role = 'num') AS num,
           count(*) FILTER (WHERE t.role = 'num') AS n_num,
           any_value(o.value) FILTER (WHERE t.role = 'den') AS den,
           any_value(o.value) FILTER (WHERE t.role = 'rate') AS rate
    FROM obs o JOIN terms t USING (measure) JOIN regs r USING (region) JOIN ind i USING (indicator)
    WHERE (i.scope = 'county' AND r.level <> 'city') OR (i.scope = 'city' AND r.level = 'city')
    GROUP BY ALL),
own AS (
    SELECT p.region, p.period, p.indicator, i.formula, i.scale,
           CASE WHEN p.n_num = len(i.nums) THEN p.num END AS num,
           CASE WHEN i.formula = 'ratio' THEN p.den END AS den, p.rate
    FROM parts p JOIN ind i USING (indicator)),
own_v AS (
    SELECT region, period, indicator, num, den, formula,
           CASE WHEN formula <> 'ratio' THEN num * scale
                WHEN num IS NOT NULL AND den <> 0 THEN num * scale / den
                ELSE rate END AS value,
           false AS partial
    FROM own),
-- the city: Σ over its summable counties that gave every part (never a mean of ratios)
n_counties AS (
    SELECT parent AS city, count(*) AS n FROM regions
    WHERE level = 'county' AND summable GROUP BY ALL),
city_v AS (
    SELECT r.parent AS region, o.period, o.indicator,
           CASE WHEN any_value(o.formula) <> 'ratio' THEN sum(o.num) FILTER (WHERE c) * any_value(i.scale)
                WHEN sum(o.den) FILTER (WHERE c) <> 0
                THEN sum(o.num) FILTER (WHERE c) * any_value(i.scale) / sum(o.den) FILTER (WHERE c)
           END AS value,
           count(*) FILTER (WHERE c) < any_value(n.n) AS partial
    FROM (SELECT *, num IS NOT NULL AND (formula <> 'ratio' OR (den IS NOT NULL
                     AND NOT (den = 0 AND rate IS NOT NULL))) AS c FROM own) o
    JOIN regions r ON r.code = o.region AND r.level = 'county' AND r.summable
    JOIN ind i USING (indicator) JOIN n_counties n ON n.city = r.parent
    GROUP BY ALL),
vals AS (
    SELECT region, period, indicator, value, partial FROM own_v
    UNION ALL SELECT region, period, indicator, value, partial FROM city_v),
-- targets: the binding one per indicator, region and year; the one that applies this year
bound AS (
    SELECT t.indicator, t.region, t.year, t.value
    FROM targets t LEFT JOIN target_sources s ON s.code = t.source
    LEFT JOIN target_bindings b
        ON b.indicator = t.indicator AND b.region = t.region AND b.year = t.year AND b.source = t.source
    QUALIFY row_number() OVER (
        PARTITION BY t.indicator, t.region, t.year
        ORDER BY b.source IS NOT NULL DESC,
                 CASE s.status WHEN 'official' THEN 0 WHEN 'draft' THEN 1 ELSE 2 END,
                 coalesce(s.issued, '') DESC) = 1),
applies AS (
    SELECT b.*, y.for_year FROM bound b JOIN ind i USING (indicator)
    JOIN (SELECT $year AS for_year UNION ALL SELECT $year - 1) y
      ON (i.kind IN ('cumulative', 'milestone') AND b.year >= y.for_year)
      OR (i.kind NOT IN ('cumulative', 'milestone') AND b.year = y.for_year)
    QUALIFY row_number() OVER (PARTITION BY b.indicator, b.region, y.for_year ORDER BY b.year DESC) = 1),
tgt AS (SELECT * FROM applies WHERE for_year = $year),
tgt_ly AS (SELECT * FROM applies WHERE for_year = $year - 1),
wide AS (
    SELECT region, indicator,
           count(*) FILTER (WHERE period = $period) > 0 AS has_cur,
           any_value(value) FILTER (WHERE period = $period) AS actual,
           coalesce(any_value(partial) FILTER (WHERE period = $period), false) AS partial,
           any_value(value) FILTER (WHERE period = $ly) AS ly,
           any_value(value) FILTER (WHERE period = $ly_dec) AS ly_dec,
           coalesce(any_value(value) FILTER (WHERE period = $base), 0) AS base
    FROM vals GROUP BY ALL),
keyset AS (
    SELECT region, indicator FROM wide WHERE has_cur
    UNION SELECT region, indicator FROM tgt),
rows AS (
    SELECT r.region, r.level, r.city, i.*, w.actual, coalesce(w.partial, false) AS partial,
           w.ly, w.ly_dec, coalesce(w.base, 0) AS base,
           CASE WHEN own_t.value IS NULL AND r.level <> 'city' AND i.kind IN ('ytd_ratio', 'level')
                THEN city_t.value ELSE own_t.value END AS target,
           CASE WHEN own_t.value IS NULL AND r.level <> 'city' AND i.kind IN ('ytd_ratio', 'level')
                THEN city_t.year ELSE own_t.year END AS tyear,
           CASE WHEN own_ly.value IS NULL AND r.level <> 'city' AND i.kind IN ('ytd_ratio', 'level')
                THEN city_ly.value ELSE own_ly.value END AS ly_target
    FROM keyset k JOIN regs r USING (region) JOIN ind i USING (indicator)
    LEFT JOIN wide w ON w.region = k.region AND w.indicator = k.indicator
    LEFT JOIN tgt own_t ON own_t.region = k.region AND own_t.indicator = k.indicator
    LEFT JOIN tgt city_t ON city_t.region = r.city AND city_t.indicator = k.indicator
    LEFT JOIN tgt_ly own_ly ON own_ly.region = k.region AND own_ly.indicator = k.indicator
    LEFT JOIN tgt_ly city_ly ON city_ly.region = r.city AND city_ly.indicator = k.indicator
    WHERE i.scope = 'county' OR r.level = 'city'),
judged AS (
    SELECT *,
           CASE kind
               WHEN 'annual_flow' THEN target * $frac
               WHEN 'ytd_ratio' THEN target * $frac
               WHEN 'level' THEN coalesce(ly_dec, ly_target, target)
                                 + (target - coalesce(ly_dec, ly_target, target)) * $frac
               WHEN 'cumulative' THEN base + (target - base)
                                 * ($p_idx - $b_idx) / nullif(tyear * 12 + 11 - $b_idx, 0)
           END AS expected,
           CASE WHEN sgn > 0 THEN actual >= target
                ELSE $month = 12 AND tyear = $year AND actual <= target END AS met,
           actual / nullif(target, 0) AS completion,
           (actual - ly) / nullif(abs(ly), 0) AS yoy
    FROM rows),
lit AS (
    SELECT *,
           sgn * (actual - expected) / nullif(abs(target), 0) * 100 AS gap_pp,
           CASE
               WHEN actual IS NULL OR target IS NULL THEN 'none'
               WHEN kind = 'milestone' THEN
                   CASE WHEN actual >= 1 THEN 'done' WHEN $p_idx < tyear * 12 + 11 THEN 'yellow' ELSE 'red' END
               WHEN met THEN 'done'
               WHEN expected IS NULL THEN 'none'
               WHEN sgn * (actual - expected) / nullif(abs(target), 0) * 100 IS NULL THEN 'none'
               WHEN sgn * (actual - expected) / abs(target) * 100 >= green_min_pp THEN 'green'
               WHEN sgn * (actual - expected) / abs(target) * 100 >= yellow_min_pp THEN 'yellow'
               ELSE 'red'
           END AS light0
    FROM judged),
ranked AS (
    SELECT *,
           CASE WHEN partial AND light0 <> 'none'
                     AND NOT (coalesce(met, false) AND kind IN ('annual_flow', 'cumulative'))
                THEN 'none' ELSE light0 END AS light,
           CASE WHEN level = 'county' THEN
               CASE WHEN bool_and(actual IS NULL OR completion IS NOT NULL)
                         OVER (PARTITION BY city, indicator, level = 'county')
                    THEN completion ELSE actual END * sgn END AS rank_key
    FROM lit)
SELECT region, indicator, actual, target, expected, light, yoy,
       CASE WHEN rank_key IS NOT NULL
            THEN rank() OVER (PARTITION BY city, indicator, rank_key IS NULL ORDER BY rank_key DESC) END AS rank
FROM ranked
"""


def _params(period: str, baseline: str = "2023-12") -> dict:
    year, month = int(period[:4]), int(period[5:7])
    return {
        "period": period, "year": year, "month": month, "frac": month / 12.0,
        "ly": f"{year - 1:04d}-{month:02d}", "ly_dec": f"{year - 1:04d}-12", "base": baseline,
        "p_idx": year * 12 + month - 1, "b_idx": int(baseline[:4]) * 12 + int(baseline[5:7]) - 1,
    }


def floor_status(db: Path, period: str) -> pd.DataFrame:
    """The hand-written query's status table for ``period`` (region, indicator and CORE columns)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(FLOOR_SQL, _params(period)).fetch_arrow_table().to_pandas()
    finally:
        con.close()


def agreement(ours: pd.DataFrame, floor: pd.DataFrame) -> tuple[int, int, int, list[str]]:
    """(rows compared, rows that disagree in a core column, rows only in ours, examples).

    ``ours`` is ``services.status`` output (region_code, indicator_code, …).  Numbers agree within
    1e-9 relative (sums over counties add in another order); lights and ranks exactly."""
    o = ours.rename(columns={"region": "region_name"}).rename(
        columns={"region_code": "region", "indicator_code": "x_indicator"})
    o = o.drop(columns=["indicator"], errors="ignore").rename(columns={"x_indicator": "indicator"})
    m = o[["region", "indicator"] + CORE].merge(
        floor, on=["region", "indicator"], how="outer", suffixes=("", "_floor"), indicator=True)
    both = m[m["_merge"] == "both"]
    only_ours = m[m["_merge"] == "left_only"]
    # rows only in ours must be the grey rows the product adds for counties that sent nothing
    extra_bad = only_ours[only_ours["actual"].notna() | (only_ours["light"] != "none")]
    bad = np.zeros(len(both), dtype=bool)
    examples: list[str] = []
    for col in CORE:
        a, b = both[col], both[col + "_floor"]
        if col == "light":
            diff = (a.astype(str) != b.astype(str)).to_numpy()
        else:
            x = a.to_numpy(dtype="float64", na_value=np.nan)
            y = b.to_numpy(dtype="float64", na_value=np.nan)
            close = np.isclose(x, y, rtol=1e-9, atol=1e-12) | (np.isnan(x) & np.isnan(y))
            diff = ~close
        if diff.any() and len(examples) < 5:
            r = both[diff].iloc[0]
            examples.append(f"{r['region']}/{r['indicator']} {col}: {r[col]} vs {r[col + '_floor']}")
        bad |= diff
    n_floor_only = int((m["_merge"] == "right_only").sum())
    if n_floor_only:
        examples.append(f"{n_floor_only} rows only in the floor")
    return len(both), int(bad.sum()) + len(extra_bad) + n_floor_only, len(only_ours), examples
