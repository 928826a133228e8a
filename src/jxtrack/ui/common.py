"""Page furniture shared by every page: the 示例数据 banner, period and region pickers, turning
expected errors into a Chinese message (never a traceback), and downloads of what is on screen."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pandas as pd
import streamlit as st

from jxtrack.domain import access, clock, lights
from jxtrack.domain.errors import UserError
from jxtrack.present import fmt, outputs
from jxtrack.services import submissions
from jxtrack.ui import cache, charts

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
    except access.PermissionDenied as exc:
        st.error(f"无权访问：{fmt.plain(exc)}", icon=":material/block:")
        st.stop()
    except UserError as exc:   # the one family of errors a user can act on (jxtrack.domain.errors)
        st.error(fmt.plain(exc))
        st.stop()


def period_select(store, key: str, in_url: bool = False) -> str | None:
    """The 报告期 picker, opening on the cycle's default (the newest month complete enough to
    judge); a month still being collected is offered labelled 报送中（已报 1/7 个区县）.
    ``in_url``: the choice is kept in the address (``?<key>=2026年1–10月``), so a reload (F5) or a
    shared link opens the same period."""
    menu = cache.period_menu(store)
    if not menu.periods:
        st.info("数据库里还没有数据。请先在“数据上传”页上传报表。")
        st.stop()
    return st.selectbox("报告期", menu.periods, index=menu.periods.index(menu.default), key=key,
                        format_func=menu.label, bind="query-params" if in_url else None)


def downloads(df: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel of a table (times as Beijing wall-clock time); text that users wrote cannot
    become a formula (jxtrack.present.outputs: neutralised in the CSV, text cells in the workbook).  Status
    rows are turned into ``df`` by :func:`download_frame` (numbers in number cells), never by the
    formatted screen table."""
    df = clock.wall_clock(df)
    c1, c2 = st.columns(2)
    c1.download_button("下载 CSV", outputs.csv_bytes(df), f"{name}.csv", "text/csv", key=f"{key}_csv")
    # the workbook is written when the button is clicked, not on every run of the page (tens of ms)
    c2.download_button("下载 Excel", lambda: outputs.xlsx_bytes(df, name), f"{name}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx")


def chinese_uploader(key: str, button: str = "选择文件", limit: str = "每个文件不超过 20 MB",
                     refused: str = "未能上传（文件过大或网络中断）：请检查文件后重新选择") -> None:
    """Chinese words on the file uploader ``key``: Streamlit (1.67) has no option for its button
    ("Upload"), its limit line ("20MB per file") or its refusal of a file ("File must be 21.0MB or
    smaller."), so they are replaced by CSS, scoped to this widget (``st-key-<key>``); the words
    stay in the page for screen readers through the label."""
    scope = f".st-key-{key} [data-testid=stFileUploaderDropzone]"
    chip = f".st-key-{key} [data-testid=stFileChip][aria-invalid=true]"
    st.html(f"""<style>
{scope} [data-testid=stBaseButton-secondary] [data-testid=stMarkdownContainer] p {{ font-size: 0; }}
{scope} [data-testid=stBaseButton-secondary] [data-testid=stMarkdownContainer] p::after {{
  content: "{button}"; font-size: 0.875rem; }}
{scope} [data-testid=stFileUploaderDropzoneInstructions] span {{ font-size: 0; }}
{scope} [data-testid=stFileUploaderDropzoneInstructions] span::after {{
  content: "{limit}"; font-size: 0.8rem; }}
{chip} [role=alert] {{ display: none; }}
{chip} [data-testid=stFileChipName]::after {{ content: " {refused}"; }}
</style>""")


def check_verdict(res, noun: str, passed: str, where: str = "") -> None:
    """A check's verdict and how the file was read (读取说明), before anything is written: the same
    words for a monthly file, the online form (noun 表单) and a project ledger.  ``passed`` names what
    would go in ('12 个数据项'); ``where`` is already escaped."""
    if res.errors:
        again = "上传" if noun == "文件" else "检查"
        st.error(f"发现 {len(res.errors)} 处错误，{noun}不能导入。请按下表逐项修改后重新{again}。{where}")
    elif res.warnings:
        st.warning(f"没有错误，有 {len(res.warnings)} 条提醒，请核对后确认。{where}")
    else:
        st.success(f"检查通过：{passed}。{where}")
    if res.explanation:
        with st.expander(f"{noun}是怎样读取的（读取说明）", expanded=bool(res.errors) or not res.problems):
            st.markdown("\n".join(f"- {fmt.plain(line)}" for line in res.explanation))


def counts_text(counts: dict[str, int], keys=lights.JUDGED, grey: bool = True) -> str:
    """'▲红 1 ◆黄 3 ●绿 12 ✔已完成 4' (Markdown, coloured): the judged lights always, then the grey
    ones that occur (未分解, 无数据 …), so the parts add up to the total said beside them."""
    parts = [f"{lights.md(k)} **{counts.get(k, 0)}**" for k in keys]
    if grey:
        parts += [f"{lights.badge(k)} {counts[k]}" for k in lights.ORDER
                  if k not in keys and counts.get(k)]
    return "　".join(parts)


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
    out["目标"] = [fmt.target(v, u, c) for v, u, c in zip(rows["target"], units, rows["comparator"], strict=False)]
    # one unit per column: 序时进度 a percentage for every kind (fmt.PROGRESS), the expected figure
    # in the row's own unit, written in each cell (序时应达), the gap 完成率 − 序时进度 in 个百分点
    out[fmt.PROGRESS] = rows["time_progress"].map(fmt.progress).to_numpy()
    out[fmt.EXPECTED] = [fmt.number(e, u) for e, u in zip(rows["expected"], units, strict=False)]
    out[fmt.GAP] = [fmt.pp(g) for g in gaps(rows)]
    out["年末预测"] = [fmt.number(v, u) for v, u in zip(rows["forecast"], units, strict=False)]
    out["能否完成"] = rows["will_meet"].map(fmt.will_meet).to_numpy()
    out["说明"] = [_note(r) for r in rows.itertuples()]
    return out


def gaps(rows: pd.DataFrame) -> list[float | None]:
    """The gap to 序时进度 of each status row as printed (fmt.gap_points: screen = bulletin)."""
    return [fmt.gap_points(c, t, g)
            for c, t, g in zip(rows["completion"], rows["time_progress"], rows["gap_pp"], strict=True)]


def _round(v, digits: int):
    return None if pd.isna(v) else round(float(v), digits)


def download_frame(rows: pd.DataFrame, region_col: bool = False, indicator_col: bool = True,
                   extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Status rows for a CSV/Excel download: every figure a number in a number cell (no thousands
    separators, no unit in the cell), so a spreadsheet can sum it; the unit goes in the header when
    the table has one unit ("实际（个）"), else in a 单位 column.  Percentages are numbers of percent
    ("完成率（%）" 76.5), the gap is the printed gap (fmt.gap_points), a yes/no figure is 是/否.
    The one place a download of status rows is built (总览, 区县, 指标详情)."""
    units = rows["unit"].to_numpy()
    one_unit = len(set(units)) == 1
    head = (lambda word: f"{word}（{units[0]}）") if one_unit and len(units) else (lambda word: word)
    flag = [u == "是/否" for u in units]

    def figure(values) -> list:
        return [fmt.yes_no(v) if f else _round(v, 2) for v, f in zip(values, flag, strict=True)]

    out = pd.DataFrame({"灯": [lights.get(k).label for k in shown_lights(rows)]})
    if indicator_col:
        out["指标"] = rows["indicator_name"].to_numpy()
    if region_col:
        out["地区"] = rows["region"].to_numpy()
    if not one_unit:
        out["单位"] = units
    out[head("实际")] = figure(rows["actual"])
    if set(rows["comparator"].dropna()) - {">="}:
        out["目标比较"] = rows["comparator"].map(lambda c: fmt.comparator(c) if isinstance(c, str) else "").to_numpy()
    out[head("目标")] = figure(rows["target"])
    out["完成率（%）"] = [_round(v * 100, 1) if not pd.isna(v) else None for v in rows["completion"]]
    out[f"{fmt.PROGRESS}（%）"] = [_round(v * 100, 1) if not pd.isna(v) else None for v in rows["time_progress"]]
    out[head(fmt.EXPECTED)] = figure(rows["expected"])
    out[f"{fmt.GAP}（{fmt.GAP_UNIT}）"] = gaps(rows)
    out[head("年末预测")] = figure(rows["forecast"])
    out["能否完成"] = [("" if pd.isna(v) else "是" if bool(v) else "否") for v in rows["will_meet"]]
    if "yoy" in rows:
        out["同比（%）"] = [_round(v * 100, 1) if not pd.isna(v) else None for v in rows["yoy"]]
    if "rank" in rows:
        out["排名"] = [None if pd.isna(v) else int(v) for v in rows["rank"]]
        out["参与排名数"] = [None if pd.isna(v) else int(v) for v in rows["rank_of"]]
    if extra is not None:
        for col in extra.columns:
            out[col] = extra[col].to_numpy()
    out["说明"] = [_note(r) for r in rows.itertuples()]
    return out


def targets_download_frame(view: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """Targets (services.targets.targets_view rows) for a download: the figure a number, its unit and
    comparator in their own columns (the screen shows '≥2,000 个')."""
    unit = view["indicator_code"].map(units).fillna("")
    return pd.DataFrame({
        "指标": view["indicator_name"], "地区": view["region"], "年份": view["year"],
        "比较": view["comparator"].map(fmt.comparator), "目标值": view["target_value"], "单位": unit,
        "约束性": view["binding"].map({True: "约束性", False: "参考"}),
        "约束性依据": view["binding_reason"].fillna(""), "出处": view["source"].str.strip(),
        "文件状态": view["status_label"], "条款": view["clause"].fillna(""),
        "另一出处的数字": view["other_figures"],
    })


def chart(fig, key: str) -> None:
    """A plotly chart, full width, without the toolbar (on a phone it covers names and legends)."""
    st.plotly_chart(fig, width="stretch", key=key, config=charts.CONFIG)


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


def text_table(df: pd.DataFrame, columns: list[str] | None = None, cap: int = 15) -> None:
    """A table of sentences (检查结果的问题, 说明, 原因 …) whose text wraps in its cell instead of
    being cut at "…" (the grid of ``st.dataframe`` shows one line per cell; on a phone six
    characters).  A static table: no column menu, no toolbar over the message above it.  Its cells
    are Markdown, so it is drawn through :func:`table` (every cell escaped: what a user or a file
    wrote shows exactly as written); missing values show "—".  ``columns``: the ones to show
    (default all); more than ``cap`` rows scroll inside the table under a fixed header."""
    shown = df[columns] if columns is not None else df

    def cell(v) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return "—"
        if isinstance(v, datetime):   # (pd.Timestamp too) Beijing time, as clock.show writes it
            return clock.show(v)
        return str(v) or "—"

    shown = shown.map(cell)
    table(shown, height="content" if len(shown) <= cap else 36 * (cap + 1))


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


def table(df: pd.DataFrame, shown: list[str] | None = None, column: str = "灯",
          height: int | str = "content") -> None:
    """A static table (every row shown, text wrapped: what a leader reads on a phone).  The one way
    to draw ``st.table``, which renders Markdown in every cell and header: every text cell goes
    through ``fmt.plain`` first, so a county's 偏差说明 shows as typed, never as a link or image.
    ``shown``: the light of each row, as a pale colour behind ``column`` (see :func:`styled`)."""
    safe = fmt.plain_frame(df)
    if shown is None:
        st.table(safe, hide_index=True, height=height)
    else:
        st.table(styled(safe, shown, fmt.plain(column)).hide(axis="index"), height=height)


def show_status(rows: pd.DataFrame, region_col: bool = False, extra: pd.DataFrame | None = None,
                key: str | None = None, cap: int | None = None, column_config: dict | None = None) -> pd.DataFrame:
    """Render status rows as a formatted, light-coloured table; returns the plain table shown."""
    table = status_table(rows, region_col=region_col)
    if extra is not None:
        for i, col in enumerate(extra.columns):
            table.insert(2 + i, col, extra[col].to_numpy())
    # the note gets room instead of '…' (no pinned columns: a pinned cell loses its light colour)
    config = {"灯": st.column_config.TextColumn(width="small"), "说明": st.column_config.TextColumn(width="large")}
    config.update(column_config or {})
    st.dataframe(styled(table, shown_lights(rows)), hide_index=True, width="stretch", height=table_height(len(table), cap), key=key,
                 column_config=config, placeholder="—")
    return table


def status_views(rows: pd.DataFrame, extra: pd.DataFrame | None = None, key: str = "status",
                 first: list[str] | None = None, column_config: dict | None = None) -> pd.DataFrame:
    """Status rows in two layouts, the browser showing the one that fits (jxtrack.ui.frame's CSS):

    - a wide screen: the table, with the columns in ``first`` right after 灯 and 指标 (what a
      leader reads first stays on screen: 年末预测, 能否完成 …) and the ``extra`` columns after
      them; the 说明 (often a sentence a county wrote) is listed under the table, wrapped, instead
      of a column cut at "…" off the right edge;
    - a phone (below ``frame.PHONE_MAX_PX``): one card per indicator, light and name on top, then
      every figure of the table as "名称 值" rows, the 说明 in full.

    The same formatted cells (:func:`status_table`) feed both.  ``key`` (ASCII: it becomes the
    CSS class of the two containers) names the table.  Returns the table."""
    table = status_table(rows)
    if extra is not None:
        for col in extra.columns:
            table[col] = extra[col].to_numpy()
    notes = table.pop("说明")
    head = ["灯", "指标"] + [c for c in (first or []) if c in table.columns]
    table = table[head + [c for c in table.columns if c not in head]]
    lit = shown_lights(rows)
    with st.container(key=f"wide_{key}"):
        config = {"灯": st.column_config.TextColumn(width="small")}
        config.update(column_config or {})
        st.dataframe(styled(table, lit), hide_index=True, width="stretch", height=table_height(len(table)),
                     key=key, column_config=config, placeholder="—")
        # one line per distinct 说明, naming its indicators ("示例数据：两化项目、数字化项目")
        said: dict[str, list[str]] = {}
        for n, t in zip(table["指标"], notes, strict=True):
            if t:
                said.setdefault(t, []).append(n)
        if said:
            st.markdown("  \n".join(f"说明 · {fmt.plain(t)}：" + "、".join(f"**{fmt.plain(n)}**" for n in ns)
                                     for t, ns in said.items()))
    with st.container(key=f"phone_{key}"):
        figures = [c for c in table.columns if c not in ("灯", "指标") and table[c].map(_is_text).all()]
        for i, r in enumerate(table.itertuples(index=False)):
            cells = dict(zip(table.columns, r, strict=True))
            lines = [f"{lights.md(lit[i])}　**{fmt.plain(cells['指标'])}**"]
            pairs = [f"{fmt.plain(c)} **{fmt.plain(cells[c])}**" for c in figures]
            lines += ["　·　".join(pairs[j:j + 2]) for j in range(0, len(pairs), 2)]   # two a line
            if notes.iloc[i]:
                lines.append(f"说明：{fmt.plain(notes.iloc[i])}")
            with st.container(border=True):
                st.markdown("  \n".join(lines))
    return table


def _is_text(v) -> bool:
    return isinstance(v, str)


def month_runs(months: list[int]) -> str:
    """Month numbers as runs: [2, 3, 4, 7, 9, 10] -> '2–4月、7月、9–10月'."""
    runs: list[list[int]] = []
    for m in sorted(months):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return "、".join(f"{r[0]}月" if len(r) == 1 else f"{r[0]}–{r[-1]}月" for r in runs)


def report_views(view: submissions.ReportingView) -> None:
    """报送情况 (region × month states and their words, services.submissions.reporting_view) in two
    layouts: the coloured grid on a wide screen; on a phone one card per region saying which months
    are 已报 / 迟报 / 待报 / 未报 / 未到期 ("✔ 已报 2–10月"), so no month is cut off the right edge."""
    matrix, shown = view.states, view.shown
    with st.container(key="wide_report_matrix"):
        st.dataframe(shown.style.apply(lambda col: [f"background-color: {fmt.REPORT_BG.get(v, '#fff')}"
                                                     for v in matrix[col.name]], axis=0),
                     width="stretch", height=table_height(len(shown)))
    with st.container(key="phone_report_matrix"):
        for region, states in matrix.iterrows():
            lines = [f"**{fmt.plain(region)}**"]
            for state, word in submissions.STATE_WORDS.items():
                months = [int(str(col).removesuffix("月")) for col, v in states.items() if v == state]
                if months and state != "n/a":
                    lines.append(f"{word}：{month_runs(months)}")
            if len(lines) == 1:
                lines.append("不需报送")
            with st.container(border=True):
                st.markdown("  \n".join(lines))
