"""``jxtrack report`` (the monthly bulletin as Word or Excel) and ``jxtrack quality`` (the
data-quality monitor).  Loaded by ``jxtrack.cli`` through its extension hook; user errors are
``lookup.ServiceError`` subclasses, which the CLI prints as one Chinese line."""

from __future__ import annotations

import argparse
import sys

from jxtrack.services import lookup, quality

COMMANDS = ("report", "quality")


def register(subparsers) -> None:
    from jxtrack.cli.run import _period

    s = subparsers.add_parser("report", help="生成月度通报（Word .docx 或 Excel .xlsx）")
    s.add_argument("--period", type=_period, help="报告期 YYYY-MM（默认最近一个已报齐或已过报送截止日的月份）")
    s.add_argument("-o", "--output", required=True, metavar="文件",
                   help="输出文件，扩展名决定格式：.docx（Word）或 .xlsx（Excel）")
    s.add_argument("--no-charts", action="store_true", help="Word 通报中不插入图表（仅表格）")

    s = subparsers.add_parser("quality", help="数据质量检查：累计数下降、市县不符、同比异常、只报比率、未报/迟报")
    s.add_argument("--period", type=_period, help="报告期 YYYY-MM（默认最近一个已报齐或已过报送截止日的月份）")
    s.add_argument("--format", choices=["csv", "json", "table"], default="table")


def run(args: argparse.Namespace) -> int:
    from jxtrack.cli.run import _emit, _store

    store = _store()
    if args.command == "report":
        from jxtrack.reports import render

        b = render(store, args.period, args.output, charts=not args.no_charts)
        demo = "（示例数据）" if b.is_demo else ""
        print(f"已生成{b.period}月度通报{demo}：{args.output}（红灯区县指标 {len(b.red_list.rows)} 项，"
              f"数据质量提示 {len(b.quality.rows)} 条）。")
        return 0
    if args.command == "quality":
        w = quality.check(store, args.period)
        if args.format == "table":
            if store.is_demo():
                print("【示例数据】以下为系统生成的示例数据，不是真实统计数字。")
            if not len(w):
                print("未发现数据质量问题。")
                return 0
            out = w[["severity_label", "check_label", "region", "indicator", "period", "upload_id", "message"]]
            out = out.rename(columns={"severity_label": "级别", "check_label": "类型", "region": "地区",
                                      "indicator": "指标", "period": "报告期", "upload_id": "上传编号",
                                      "message": "说明"})
            _emit(out.astype("object").where(out.notna(), ""), "table")
        else:
            _emit(w, args.format)
        return 0
    raise lookup.ServiceError(f"未知命令 {args.command}")  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    from jxtrack.cli.run import main

    sys.exit(main())
