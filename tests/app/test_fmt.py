"""Light display: a grey light always says why it is grey."""



def test_grey_light_says_why():
    from jxtrack.ui import fmt
    assert fmt.light_badge(fmt.shown_light("none", "目标未分解")) == "– 未分解"
    assert fmt.light_badge(fmt.shown_light("none", "部分区县未汇总，暂不评价")) == "… 暂不评价"
    assert fmt.light_badge(fmt.shown_light("none", "")) == "○ 无数据"
    assert fmt.shown_light("red", "目标未分解") == "red"
