"""督办 end to end through the pages: staff open a notice from a red item on 区县, the county answers on
its first screen, staff close it on 督办; leaders read the list only; recovered lights are shown."""

from __future__ import annotations

from jxtrack.services import supervision
from jxtrack.ui import nav

from .conftest import JIASHAN, USERS, run_app


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _all_text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
                     + [s.value for s in at.subheader] + [i.value for i in at.info])


def test_open_reply_close(demo_store):
    # staff, on 嘉善县's scorecard, open a notice on its red 绿色化改造项目
    at = run_app(USERS["staff"], "pages/county.py")
    at.selectbox(key="county_region").set_value(JIASHAN).run()
    item = at.selectbox(key="county_sv_item")
    pick = next(i for i, o in enumerate(item.options) if o.endswith("嘉善县 · 绿色化改造项目"))
    assert item.options[pick].startswith("▲ 红")
    item.set_value(pick)
    at.text_area(key="county_sv_ask").input("说明落后原因并提出整改措施")
    _button(at, "发起督办").click().run()
    assert not at.exception
    assert any("已向嘉善县发起督办（编号 1）" in s.value for s in at.success)
    n = supervision.notices(demo_store, USERS["staff"])
    assert n[["region", "indicator", "state", "ask"]].values.tolist() == [
        [JIASHAN, "green_projects", "pending", "说明落后原因并提出整改措施"]]

    # the county sees it first on its page and answers
    at = run_app(USERS["county"], "pages/county.py")
    assert any(s.value == "督办事项（1 项未办结）" for s in at.subheader)
    at.text_area(key="county_reply_m_1").input("新增12个绿色化改造项目入库")
    _button(at, "提交回复").click().run()
    assert not at.exception
    assert any("已回复督办 1" in s.value for s in at.success)
    assert "提交回复" not in [b.label for b in at.button]   # answered: no second reply form
    assert "发起督办" not in [b.label for b in at.button]   # a county cannot open one

    # staff see the answer on 督办 and close it
    at = run_app(USERS["staff"], "pages/supervision.py")
    assert not at.exception
    assert "已回复" in at.table[0].value["状态"].tolist()
    assert "新增12个绿色化改造项目入库" in at.table[0].value["整改措施"].tolist()
    history = at.table[1].value
    assert history["步骤"].tolist() == ["发起督办", "区县回复"]
    assert history["操作人"].tolist() == ["示例市工作专班", "示例嘉善县填报员"]   # display names, not sign-in names
    at.radio(key="supervision_steps_step").set_value("close")
    at.text_area(key="supervision_steps_text").input("整改到位")
    _button(at, "确定").click().run()
    assert any("督办 1 已办结" in s.value for s in at.success)
    assert supervision.notices(demo_store, USERS["staff"]).iloc[0]["state"] == "closed"

    # the county's first screen no longer lists it
    at = run_app(USERS["county"], "pages/county.py")
    assert not any(s.value.startswith("督办事项") for s in at.subheader)


def test_leader_reads_the_list_county_has_no_list(demo_store):
    assert "督办" in [p.title for p in nav.pages_for(USERS["leader"])]
    assert "督办" not in [p.title for p in nav.pages_for(USERS["county"])]
    at = run_app(USERS["leader"], "pages/supervision.py")
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "确定" not in labels and "发起督办" not in labels
    at = run_app(USERS["leader"], "pages/county.py")
    assert "发起督办" not in [b.label for b in at.button]


def test_recovery_is_shown_not_a_silent_green(demo_ro):
    # the demo city's 市级全生命周期管理示范企业 (annual 8): 0 in 1–2月 (序时 16.7%: red), 2 in May
    # and June (25% against 41.7% and 50%: more than 10 points behind, red), 7 in October (87.5%
    # against 83.3%: green) -- as the 指标详情 series (another path) also says
    from jxtrack.domain.access import OPERATOR
    from jxtrack.services import views

    series = views.indicator_series(demo_ro, "lifecycle_firms", "2026-10", OPERATOR, regions=["330400"])
    assert series.loc[series["light"] == "red", "period"].tolist() == ["2026-02", "2026-05", "2026-06"]
    assert series["light"].iloc[-1] == "green"
    at = run_app(USERS["leader"])
    text = _all_text(at)
    assert "已恢复的指标" in text
    from jxtrack.services import lookup

    short = lookup.catalog(demo_ro).indicators.set_index("code").loc["lifecycle_firms", "short_name"]
    assert f"嘉兴市 · {short}：已恢复（曾红灯：1–2月、5–6月）" in text
    at = run_app(USERS["leader"], "pages/indicator.py")
    at.selectbox(key="indicator_code").set_value("lifecycle_firms").run()
    assert "已恢复（曾红灯：1–2月、5–6月）" in _all_text(at)
