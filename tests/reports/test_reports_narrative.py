"""The bulletin's Chinese sentences, from hand-built status rows (numbers worked out here)."""

from __future__ import annotations

from jxtrack.reports import narrative as n


def flow(**kw):
    """数字化改造项目, 1-10月: 1300 of 1500 = 86.7%; 序时进度 10/12 = 83.3%; +3.4 points."""
    row = dict(indicator_name="数字化改造项目", unit="个", kind="annual_flow", section="实施项目",
               group="两化", key=True, actual=1300.0, target=1500.0, completion=1300 / 1500,
               time_progress=10 / 12, gap_pp=(1300 / 1500 - 10 / 12) * 100, light="green",
               forecast=1560.0, will_meet=True, required_pace=100.0, remaining_months=2, yoy=None)
    row.update(kw)
    return row


def test_ahead_of_schedule_example_from_the_issue():
    assert n.headline([flow()], "2026-10") == \
        "1–10月，全市完成数字化改造项目1300个，完成年度目标的86.7%，超序时进度3.4个百分点。"


def test_behind_schedule_with_forecast_and_required_pace():
    # 1000 of 1500 = 66.7% against 83.3%: the printed gap is 66.7 − 83.3 = −16.6 points (what a
    # reader checks), not the unrounded −16.67; (1500 − 1000) / 2 = 250 a month still needed
    r = flow(actual=1000.0, completion=1000 / 1500, gap_pp=(1000 / 1500 - 10 / 12) * 100, light="red",
             forecast=1200.0, will_meet=False, required_pace=250.0, yoy=-0.05)
    assert n.headline([r], "2026-10") == (
        "1–10月，全市完成数字化改造项目1000个，同比下降5.0%，完成年度目标的66.7%，落后序时进度16.6个百分点，"
        "按目前进度预计全年1200个，难以完成目标，后2个月需月均完成250个。")


def test_on_schedule_says_level():
    r = flow(actual=1250.0, completion=1250 / 1500, gap_pp=0.0, yoy=0.0)
    assert "与上年同期持平" in n.headline([r], "2026-10")
    assert "与序时进度持平" in n.headline([r], "2026-10")


def test_done_and_over_done():
    r = flow(actual=1500.0, completion=1.0, light="done")
    assert n.headline([r], "2026-10") == "1–10月，全市完成数字化改造项目1500个，已完成年度目标（1500个）。"
    r = flow(actual=1650.0, completion=1.1, light="done", yoy=0.1)
    assert n.headline([r], "2026-10") == \
        "1–10月，全市完成数字化改造项目1650个，同比增长10.0%，已超额完成年度目标（1500个），完成率110.0%。"


def test_missing_figure_and_missing_target():
    r = flow(actual=None, completion=None, gap_pp=None, light="none")
    assert n.headline([r], "2026-10") == "1–10月，全市数字化改造项目本期暂无数据（未报送）。"
    r = flow(target=None, completion=None, gap_pp=None, light="none", yoy=0.2)
    assert n.headline([r], "2026-10") == "1–10月，全市完成数字化改造项目1300个，同比增长20.0%，年度目标尚未设定。"


def test_january_and_combined_january_february():
    # January: 序时进度 1/12 = 8.3%; 130 of 1500 = 8.7%: 0.4 points ahead as printed
    r = flow(actual=130.0, completion=130 / 1500, time_progress=1 / 12, gap_pp=(130 / 1500 - 1 / 12) * 100)
    assert n.headline([r], "2026-01").startswith("1月，全市完成数字化改造项目130个，完成年度目标的8.7%，超序时进度0.4个百分点")
    # 1–2月 reported together: 序时进度 2/12 = 16.7%; 200 of 1500 = 13.3%: 3.4 points behind
    r = flow(actual=200.0, completion=200 / 1500, time_progress=2 / 12, gap_pp=(200 / 1500 - 2 / 12) * 100,
             light="yellow",
             will_meet=True)
    assert n.headline([r], "2026-02") == \
        "1–2月，全市完成数字化改造项目200个，完成年度目标的13.3%，落后序时进度3.4个百分点，预计能完成年度目标。"


def test_money_takes_no_verb_and_decimals():
    r = flow(indicator_name="直接拉动技改投资", unit="亿元", actual=365.98, target=500.0,
             completion=0.73196, gap_pp=-10.1, light="red", will_meet=False, forecast=475.29,
             required_pace=67.01)
    assert n.indicator_clause(r).startswith("全市直接拉动技改投资365.98亿元，完成年度目标的73.2%，落后序时进度10.1个百分点")
    assert n.indicator_clause(r).endswith("后2个月需月均增加67.01亿元")


def test_level_ratio_compares_with_the_path():
    # the same 序时进度 as the tables: 17.69 / 18 = 98.3% of the target; 17 / 18 = 94.4%; 进度差
    # 94.4 − 98.3 = −3.9 (as printed); the path's own figure in brackets
    r = dict(indicator_name="全市绿色贷款占比", unit="%", kind="level", actual=17.0, target=18.0,
             expected=17.69, completion=17 / 18, time_progress=17.69 / 18, gap_pp=-3.83, light="yellow")
    assert n.indicator_clause(r) == ("全市绿色贷款占比17%，为年度目标（18%）的94.4%，落后序时进度3.9个百分点"
                                     "（序时应达17.69%）")
    r.update(actual=18.5, light="done")
    assert n.indicator_clause(r) == "全市绿色贷款占比18.5%，已达到年度目标（18%）"


def test_cumulative_and_milestone():
    r = dict(indicator_name="累计认定省级以上绿色工厂", unit="家", kind="cumulative", actual=83.0,
             target=90.0, target_year=2026, completion=83 / 90, gap_pp=-2.2, light="yellow")
    assert n.indicator_clause(r) == "全市累计认定省级以上绿色工厂83家，完成2026年目标（90家）的92.2%，落后序时进度2.2个百分点"  # one label for every kind
    m = dict(indicator_name="争创国家智能制造先行区", unit="是/否", kind="milestone", actual=0.0, target=1.0,
             target_year=2026, light="yellow")
    assert n.indicator_clause(m) == "争创国家智能制造先行区：尚未获批（目标期限2026年底）"
    assert n.indicator_clause({**m, "actual": 1.0, "light": "done"}) == "争创国家智能制造先行区：已获批"


def test_partial_city_total_is_not_judged():
    # 1 of 7 counties reported: the city sum is not comparable with the city target
    r = flow(actual=158.0, completion=0.079, gap_pp=-83.8, light="red", yoy=-0.911, partial=True,
             reporting=1, expected_reporting=7)
    assert n.headline([r], "2026-11") == \
        "1–11月，全市完成数字化改造项目158个（仅1/7个区县报送，全市合计不完整，进度暂不评价）。"
    assert "仅供参考" in n.overview_sentence([r], "2026-11")


def test_ratio_only_counties_are_named():
    r = flow(not_rolled_up="330402",
             indicator_name="规上亩均税收", unit="万元/亩", kind="ytd_ratio", actual=34.09, target=40.0,
             completion=34.09 / 40, gap_pp=1.9)
    text = n.indicator_clause(r, region_names={"330402": "南湖区"})
    assert text.endswith("（南湖区只报比率，未计入全市）")
    assert "为年度目标（40万元/亩）的85.2%" in text


def test_light_count_sentence_omits_zeros():
    s = n.light_counts_sentence(["red", "red", "green", "done"], "全市")
    assert s == "全市4项指标中，已完成1项，绿灯1项（进度正常），红灯2项（明显滞后）。"


def test_december_states_the_result_not_a_forecast():
    # 1–12月: 1440 of 1500 = 96.0%; 60 short; nothing left to forecast
    r = flow(actual=1440.0, completion=0.96, time_progress=1.0, gap_pp=-4.0, light="yellow",
             forecast=1440.0, will_meet=False, required_pace=None, remaining_months=0)
    assert n.headline([r], "2024-12") == \
        "1–12月，全市完成数字化改造项目1440个，完成年度目标（1500个）的96.0%，未完成目标，尚差60个。"
