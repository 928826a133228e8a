"""Page furniture shared by every page: the 示例数据 banner, period and region pickers, turning
expected errors into a Chinese message (never a traceback), and downloads of what is on screen."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from metrics.periods import label_ytd

from .. import auth, clock, lights, outputs, services
from ..store import StoreError
from . import cache, fmt

FLASH_KEY = "flash_message"


def saved(message: str) -> None:
    """Confirm a save and rerun the page: the message shows at the top of the page after the rerun
    (a message shown just before ``st.rerun`` would vanish with it)."""
    st.session_state[FLASH_KEY] = message
    st.rerun()


def show_saved() -> None:
    """Show (once) the confirmation of a save made on the previous run."""
    msg = st.session_state.pop(FLASH_KEY, None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def demo_banner(store) -> None:
    if cache.is_demo(store):
        st.warning("**示例数据** —— 本页数字为系统生成的演示数据，不是真实统计数字。", icon=":material/science:")


@contextmanager
def guard() -> Iterator[None]:
    """Show a refusal or a user-correctable problem as a message and stop the page."""
    try:
        yield
    except auth.PermissionDenied as exc:
        st.error(f"无权访问：{fmt.plain(exc)}", icon=":material/block:")
        st.stop()
    except (services.ServiceError, StoreError, auth.AuthError) as exc:
        st.error(fmt.plain(exc))
        st.stop()


def period_select(store, key: str) -> str | None:
    periods = cache.periods(store)
    if not periods:
        st.info("数据库里还没有数据。请先在“数据上传”页上传报表。")
        st.stop()
    return st.selectbox("报告期", periods, index=0, key=key, format_func=label_ytd)


def downloads(df: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel of the table on screen (times as Beijing wall-clock time); text that users
    wrote cannot become a formula (jxtrack.outputs: neutralised in the CSV, text cells in the
    workbook)."""
    df = clock.wall_clock(df)
    c1, c2 = st.columns(2)
    c1.download_button("下载 CSV", outputs.csv_bytes(df), f"{name}.csv", "text/csv", key=f"{key}_csv")
    c2.download_button("下载 Excel", outputs.xlsx_bytes(df, name), f"{name}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx")


def light_counts(counts: dict[str, int]) -> None:
    """Red / yellow / green / done counts on one line (word + symbol, not colour alone); stays one
    short line on a phone instead of four stacked metric boxes."""
    parts = [f"{lights.md(k)}{'灯' if k != 'done' else ''} **{counts.get(k, 0)}** 项"
             for k in ("red", "yellow", "green", "done")]
    st.markdown("#### " + "　".join(parts))


def shown_lights(rows: pd.DataFrame) -> list[str]:
    """The light key to show for each status row (the metrics' light and its reason)."""
    return [lights.shown(lt, r) for lt, r in zip(rows["light"], rows["light_reason"], strict=True)]


def status_table(rows: pd.DataFrame, region_col: bool = False) -> pd.DataFrame:
    """The status rows formatted for reading: every figure with its unit."""
    out = pd.DataFrame({"灯": [lights.badge(v) for v in shown_lights(rows)]})
    if region_col:
        out["地区"] = rows["region"].to_numpy()
    else:
        # the catalog's short names keep the table readable on a phone; full names on 指标详情
        out["指标"] = [s or n for s, n in zip(rows["short_name"], rows["indicator_name"], strict=True)]
    units = rows["unit"].to_numpy()
    # what a leader reads first comes first (a phone shows only the left columns)
    out["完成率"] = rows["completion"].map(fmt.pct).to_numpy()
    out["实际"] = [fmt.number(v, u) for v, u in zip(rows["actual"], units, strict=False)]
    out["目标"] = [("" if pd.isna(v) else fmt.comparator(c)) + fmt.number(v, u)
                   for v, u, c in zip(rows["target"], units, rows["comparator"], strict=False)]
    out["序时进度"] = [fmt.pct(t) if k in ("annual_flow", "ytd_ratio") else fmt.number(e, u)
                   for t, e, u, k in zip(rows["time_progress"], rows["expected"], units, rows["kind"], strict=False)]
    out["差距"] = rows["gap_pp"].map(fmt.pp).to_numpy()
    out["年末预测"] = [fmt.number(v, u) for v, u in zip(rows["forecast"], units, strict=False)]
    out["能否完成"] = rows["will_meet"].map(fmt.will_meet).to_numpy()
    out["说明"] = [_note(r) for r in rows.itertuples()]
    return out


def _note(r) -> str:
    parts = []
    if getattr(r, "ratio_only", False):
        parts.append("⚠ 只报了比率，未计入全市合计")
    if getattr(r, "not_rolled_up", ""):
        parts.append(f"⚠ 未汇总：{r.not_rolled_up}")
    if getattr(r, "partial", False):
        parts.append(f"⚠ 部分区县未报（{r.reporting}/{r.expected_reporting}）")
    if isinstance(getattr(r, "target_note", None), str) and r.target_note:
        parts.append(r.target_note)
    if isinstance(getattr(r, "explanation", None), str) and r.explanation:
        parts.append("偏差说明：" + r.explanation)
    return "；".join(parts)


def table_height(n: int, cap: int | None = None) -> int:
    """Show every row (no inner scroll) up to ``cap`` rows."""
    rows = n if cap is None else min(n, cap)
    return 35 * (rows + 1) + 3


def styled(df: pd.DataFrame, shown: list[str] | None = None, column: str = "灯"):
    """Pale light colour behind the light column; the cell still carries symbol and word."""
    if shown is None or column not in df.columns:
        return df
    bg = [f"background-color: {lights.get(v).bg}" for v in shown]
    return df.style.apply(lambda _: bg, subset=[column], axis=0)


def show_status(rows: pd.DataFrame, region_col: bool = False, extra: pd.DataFrame | None = None,
                key: str | None = None, cap: int | None = None, column_config: dict | None = None) -> pd.DataFrame:
    """Render status rows as a formatted, light-coloured table; returns the plain table shown."""
    table = status_table(rows, region_col=region_col)
    if extra is not None:
        for i, col in enumerate(extra.columns):
            table.insert(2 + i, col, extra[col].to_numpy())
    st.dataframe(styled(table, shown_lights(rows)), hide_index=True, width="stretch",
                 height=table_height(len(table), cap), key=key, column_config=column_config)
    return table
