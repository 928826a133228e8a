"""在线填报 on 数据上传 (AppTest): a county types its month, checks, confirms; the entry is an upload
with source 在线填报 in 上传记录; a bad value is refused with the file's words."""

from __future__ import annotations

from .conftest import USERS, run_app, texts


def _field(at, code: str):
    """The number input of ``code`` (keys follow the county and month: entry_<region>_<period>_<code>)."""
    return next(n for n in at.number_input if n.key.startswith("entry_330421_") and n.key.endswith(f"_{code}"))


def _check(at):
    next(b for b in at.button if b.label == "检查填写内容").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_county_enters_its_month_online_and_it_is_an_upload(demo_store):
    user = USERS["county"]
    at = run_app(user, "pages/upload.py")
    assert not at.exception
    assert _field(at, "industrial_land").label == "规上工业用地面积（亩）"
    assert _field(at, "tech_investment").label == "直接拉动技改投资（亿元）"      # the unit beside each
    assert any(c.value.startswith("上期 ") for c in at.caption)               # last period beside each
    _field(at, "digital_projects").set_value(987654)
    at = _check(at)
    assert not at.error, [e.value for e in at.error]
    boxes = [c for c in at.checkbox if c.key == "entry_accept"]
    if boxes:
        boxes[0].check().run()
    at.button(key="entry_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已导入" in s.value for s in at.success), [s.value for s in at.success]
    up = demo_store.uploads().iloc[0]
    assert up["user"] == "jiashan" and up["status"] == "accepted" and up["file_name"] == "在线填报"
    obs = demo_store.observations(regions=["330421"], measures=["digital_projects"])
    assert 987654 in set(obs["value"])
    at = run_app(user, "pages/reporting.py")
    assert "在线填报" in texts(at)


def test_a_bad_value_is_refused_with_the_files_words(demo_store):
    at = run_app(USERS["county"], "pages/upload.py")
    _field(at, "digital_projects").set_value(-3)
    at = _check(at)
    assert any("不能导入" in e.value for e in at.error), [e.value for e in at.error]
    assert "“数字化改造项目数”不能是负数。请核对后填写。" in texts(at)
    assert not [b for b in at.button if b.key == "entry_commit"]
