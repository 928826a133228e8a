"""Handlers of ``report`` (the monthly bulletin as Word or Excel) and ``quality`` (the data-quality
monitor).  The bulletin's writers (python-docx, openpyxl, the chart renderer) are imported only by
``report``."""

from __future__ import annotations

from jxtrack.cli.common import DEMO_NOTE, emit
from jxtrack.cli.database import Database
from jxtrack.services import quality as quality_checks


def report(args, db: Database) -> int:
    from jxtrack.reports import render

    b = render(db(), args.period, args.output, charts=not args.no_charts)
    demo = "（示例数据）" if b.is_demo else ""
    print(f"已生成{b.period}月度通报{demo}：{args.output}（红灯区县指标 {len(b.red_list.rows)} 项，"
          f"数据质量提示 {len(b.quality.rows)} 条）。")
    return 0


def quality(args, db: Database) -> int:
    store = db()
    w = quality_checks.check(store, args.period)
    if args.format != "table":
        emit(w, args.format)
        return 0
    if store.is_demo():
        print(DEMO_NOTE)
    if not len(w):
        print("未发现数据质量问题。")
        return 0
    out = w[["severity_label", "check_label", "region", "indicator", "period", "upload_id", "message"]]
    out = out.rename(columns={"severity_label": "级别", "check_label": "类型", "region": "地区",
                              "indicator": "指标", "period": "报告期", "upload_id": "上传编号",
                              "message": "说明"})
    emit(out.astype("object").where(out.notna(), ""), "table")
    return 0
