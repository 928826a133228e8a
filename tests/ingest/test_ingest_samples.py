"""Every layout in ../shared/samples imports to the right figures (worked out by hand here)."""

from __future__ import annotations

import pytest

from conftest import ADMIN
from jxtrack.services.importing import commit_import, preview_import

SAMPLES = next((p for p in (__import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "samples",
                             __import__("pathlib").Path("/work/shared/samples")) if p.exists()),
               __import__("pathlib").Path("/work/shared/samples"))


def _figures(res) -> dict[tuple[str, str, str], float]:
    return {(r.region, r.period, r.measure): r.value for r in res.values.itertuples()}


def _sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample {path} not present")
    return path.read_bytes()


def test_jiashan_september(empty_store):
    res = commit_import(empty_store, _sample("sample_jiashan_2025-09.xlsx"), "jiashan.xlsx", ADMIN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert res.problems == []
    assert (res.region, res.period) == ("330421", "2025-09")  # 嘉善县, title says 1-9月
    f = _figures(res)
    assert f == {
        ("330421", "2025-09", "digital_projects"): 136,       # full-width '１３６', '其中：' prefix
        ("330421", "2025-09", "green_projects"): 31,
        ("330421", "2025-09", "tech_investment"): 41.7,
        ("330421", "2025-09", "industrial_va"): 351.20,       # text '351.20' 亿元
        ("330421", "2025-09", "industrial_land"): 19860,      # '19,860'
        ("330421", "2025-09", "industrial_employees"): 118400,
    }
    notes = dict(zip(res.values["measure"], res.values["note"], strict=True))
    assert notes["green_projects"] == "2个项目推迟至四季度"    # 备注 -> note
    cells = dict(zip(res.values["measure"], res.values["cell"], strict=True))
    assert cells["digital_projects"] == "C7" and cells["industrial_va"] == "C12"
    obs = empty_store.observations(periods=["2025-09"])
    assert len(obs) == 6 and set(obs["upload_id"]) == {res.upload_id}


def test_city_summary_half_year(empty_store):
    res = commit_import(empty_store, _sample("sample_city_by_county_2025-06.xlsx"), "city.xlsx", ADMIN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert res.region is None and res.period == "2025-06"     # many counties in one upload
    f = _figures(res)
    assert f[("330421", "2025-06", "industrial_firms")] == 980   # 嘉善县
    assert f[("330421", "2025-06", "digital2_firms")] == 640
    assert f[("330483", "2025-06", "digital_projects")] == 131   # 桐乡市
    # 海盐县 gave only the rate: stored as the rate measure, no invented parts
    assert f[("330424", "2025-06", "digital2_coverage_rate")] == 59.3
    assert ("330424", "2025-06", "industrial_firms") not in f
    assert ("330424", "2025-06", "digital2_firms") not in f
    assert f[("330424", "2025-06", "digital_projects")] == 82
    # counties with parts: the reported rate is not stored (it derives from the parts)
    assert ("330421", "2025-06", "digital2_coverage_rate") not in f
    # 7 counties x 3 columns, 海盐县 1 + rate; the formula 合计 row (no stored values) is ignored
    assert len(f) == 6 * 3 + 2
    assert sum(v for (r, p, m), v in f.items() if m == "digital_projects") == 70 + 75 + 88 + 96 + 110 + 82 + 131
    uploads = empty_store.uploads()
    assert uploads["region"].iloc[0] == "多个地区" and uploads["region_code"].isna().iloc[0]


def test_pinghu_jan_feb_xls(empty_store):
    res = commit_import(empty_store, _sample("sample_pinghu_2026-02.xls"), "pinghu.xls", ADMIN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert res.format == "xls" and (res.region, res.period) == ("330482", "2026-02")  # 1-2月 -> 02
    f = _figures(res)
    assert f[("330482", "2026-02", "digital_projects")] == 21
    assert f[("330482", "2026-02", "green_projects")] == 6
    assert f[("330482", "2026-02", "tech_investment")] == 5.83    # 58 300 万元 = 5.83 亿元
    assert f[("330482", "2026-02", "energy_saved")] == 0.42       # 4 200 吨标煤 = 0.42 万吨标煤
    raw = dict(zip(res.values["measure"], res.values["raw_value"], strict=True))
    assert raw["tech_investment"] == "58300 万元"


def test_format_told_from_bytes_not_name(empty_store):
    data = _sample("sample_pinghu_2026-02.xls")
    res = preview_import(empty_store, data, "renamed.xlsx", ADMIN)
    assert res.format == "xls" and res.ok
    data = _sample("sample_jiashan_2025-09.xlsx")
    res = preview_import(empty_store, data, "wps-file.et", ADMIN)
    assert res.format == "xlsx" and res.ok
