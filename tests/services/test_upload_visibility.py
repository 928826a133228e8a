"""Who sees which upload in 上传记录 (issue 20, item 7): a refused attempt by another county's
reporter on this county's sheet must not name that reporter or their files to this county."""

from __future__ import annotations

import io

import openpyxl

from jxtrack.domain.access import User
from jxtrack.services import auth, submissions
from jxtrack.services.importing import commit_import

STAFF = User("zhuanban2", "staff", None, "专班")
JIASHAN = User("js1", "county", "330421", "嘉善一")
JIASHAN2 = User("js2", "county", "330421", "嘉善二")
PINGHU = User("ph1", "county", "330482", "平湖一")
LEADER = User("ld1", "leader", None, "领导")


def _users(store):
    for u in (STAFF, JIASHAN, JIASHAN2, PINGHU, LEADER):
        auth.add_user(store, u.username, "long enough 1", u.role, u.region, actor="admin")


def _pinghu_sheet() -> bytes:
    """A filled one-county report of 平湖市 for 2025-09."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "9月"
    for row in (["平湖市“两化”改造主要指标完成情况（2025年1-9月）"],
                ["填报单位：平湖市经信局", None, "报告期：2025年9月"],
                ["指标名称", "单位", "1-9月累计", "备注"],
                ["数字化改造项目数", "个", 120, None], ["绿色化改造项目数", "个", 30, None]):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _names(store, user):
    hist = submissions.upload_history(store, user)
    return sorted(zip(hist["file_name"], hist["status"], hist["user"], strict=True))


def test_refused_attempt_on_another_countys_sheet_is_not_shown_to_that_county(empty_store):
    _users(empty_store)
    pinghu_sheet = _pinghu_sheet()
    # 嘉善's reporter tries 平湖's sheet: refused, on record with 平湖 as the region the file names
    tried = commit_import(empty_store, pinghu_sheet, "嘉善试传平湖.xlsx", JIASHAN)
    assert not tried.ok
    up = empty_store.uploads()
    assert up.loc[up["file_name"] == "嘉善试传平湖.xlsx", ["status", "region_code"]].values.tolist() == [
        ["rejected", "330482"]]
    # 平湖's reporter's own refused attempt
    own = commit_import(empty_store, b"not a workbook", "平湖自己的坏文件.xlsx", PINGHU)
    assert not own.ok

    pinghu_sees = _names(empty_store, PINGHU)
    assert ("嘉善试传平湖.xlsx", "rejected", "js1") not in pinghu_sees      # the hole of the issue
    assert pinghu_sees == [("平湖自己的坏文件.xlsx", "rejected", "ph1")]
    # the uploader, a colleague of the same county and the city's working group still see it
    assert ("嘉善试传平湖.xlsx", "rejected", "js1") in _names(empty_store, JIASHAN)
    assert ("嘉善试传平湖.xlsx", "rejected", "js1") in _names(empty_store, JIASHAN2)
    assert ("平湖自己的坏文件.xlsx", "rejected", "ph1") not in _names(empty_store, JIASHAN2)
    assert len(_names(empty_store, STAFF)) == 2
    # the same sheet accepted (uploaded by staff for 平湖) is 平湖's business: shown to 平湖
    assert commit_import(empty_store, pinghu_sheet, "专班代报平湖.xlsx", STAFF).ok
    assert ("专班代报平湖.xlsx", "accepted", "zhuanban2") in _names(empty_store, PINGHU)
    assert ("专班代报平湖.xlsx", "accepted", "zhuanban2") not in _names(empty_store, JIASHAN)
