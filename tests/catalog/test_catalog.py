"""The catalog files: the real ones load, and each rule catches its break with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jxtrack.catalog.model import DATA_DIR, CatalogError, load_catalog


def test_real_catalog_loads_every_target_of_both_documents():
    c = load_catalog()
    t = c.targets
    # 37 indicators (36 + 生产性服务业增加值 of 嘉政发〔2024〕14号); all three 2026 figures for
    # 规上亩均税收 are there, with their sources
    assert len(c.indicators) == 37
    tax26 = t[(t.indicator == "tax_per_mu") & (t.year == 2026)].set_index("source")["value"]
    assert tax26.to_dict() == {"JZF-2024-6": 40.0, "LYRH-2024-ZQYJ": 42.0, "JZF-2024-14": 41.0}
    # the annual table of 嘉政发〔2024〕6号: 9 rows × 3 years, + 2000 两化 projects
    off = t[t.source == "JZF-2024-6"]
    assert set(off[off.indicator == "digital2_coverage"].sort_values("year")["value"]) == {60, 80}
    assert off[(off.indicator == "labour_productivity")].sort_values("year")["value"].tolist() == [32.5, 34, 36]
    assert off[(off.indicator == "lh_projects")]["value"].tolist() == [2000] * 3
    # cumulative 2026 ones and yearly cultivation counts of the draft
    assert t[(t.indicator == "green_factories")]["value"].tolist() == [90]
    assert t[(t.indicator == "service_design")]["value"].tolist() == [160]
    draft = t[t.source == "LYRH-2024-ZQYJ"]
    assert sorted(draft[draft.indicator == "design_marketing_firms"]["year"]) == [2024, 2025, 2026]
    assert t[t.indicator == "industrial_va"]["value"].tolist() == [4000, 4000]  # draft and 14号
    # every target carries a clause
    assert (t["clause"].str.len() > 0).all()
    src = c.sources.set_index("code")["status"]
    assert src["JZF-2024-6"] == "official" and src["LYRH-2024-ZQYJ"] == "draft"
    assert src["JZF-2024-14"] == "official"


def test_unit_conversion_factors_are_derived_from_units():
    ind = load_catalog().indicators.set_index("code")
    # 亿元 / 亩 -> 万元/亩 : 1e8 / 1e4 = 10 000
    assert ind.loc["va_per_mu", "scale"] == pytest.approx(10_000)
    # 家 / 家 -> % : × 100
    assert ind.loc["digital2_coverage", "scale"] == pytest.approx(100)
    assert ind.loc["lh_projects", "scale"] == 1


def test_zones_are_not_summable():
    r = load_catalog().regions.set_index("code")
    assert not r.loc["JXEDZ", "summable"] and not r.loc["JXPORT", "summable"]
    assert r[r.level == "county"]["summable"].all() and (r.level == "county").sum() == 7


@pytest.fixture
def data_copy(tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA_DIR, d)
    return d


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(d: Path) -> list[str]:
    with pytest.raises(CatalogError) as e:
        load_catalog(d)
    return e.value.problems


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


@pytest.mark.parametrize(
    "file, old, new, expected",
    [
        ("indicators.csv", "va_per_mu,规上亩均工业增加值,亩均增加值,两化,提质增效,ytd_ratio",
         "va_per_mu,规上亩均工业增加值,亩均增加值,两化,提质增效,ytd_rate", "kind 的值 “ytd_rate”"),
        ("indicators.csv", "industrial_va,industrial_land,va_per_mu_rate",
         "industrial_va,industrial_lands,va_per_mu_rate", "未知的 measure：industrial_lands"),
        ("indicators.csv", "industrial_va,industrial_land,va_per_mu_rate,万元/亩,up,0,-10",
         "industrial_va,industrial_land,va_per_mu_rate,万元/亩,up,0,5", "yellow_min_pp（5.0）不能高于"),
        ("indicators.csv", "industrial_va,industrial_land,va_per_mu_rate,万元/亩",
         "industrial_va,industrial_land,va_per_mu_rate,万元/人", "量纲不同"),
        ("targets.csv", "tax_per_mu,330400,2026,42,", "tax_per_mu,330400,2026,四十二,", "value 的值 “四十二” 不是数字"),
        ("targets.csv", "tax_per_mu,330400,2026,42,>=,LYRH-2024-ZQYJ",
         "tax_per_mu,330400,2026,42,>=,LYRH-2025", "source “LYRH-2025” 不在 sources.csv 中"),
        ("regions.csv", "JXPORT,嘉兴港区,港区,zone,330400,false", "JXPORT,嘉兴港区,港区,zone,330400,true",
         "summable 必须为 false"),
        ("measures.csv", "industrial_land,规上工业用地面积,亩,stock", "industrial_land,规上工业用地面积,亩,stok",
         "behaviour 的值 “stok”"),
        ("aliases.csv", "measure,技改投资,tech_investment", "measure,技改投资,tech_invest", "别名指向未知的 measure"),
        ("sources.csv", "2024-01-15,official", "2024-01-15,final", "status 的值 “final”"),
        ("bindings.csv", "tax_per_mu,330400,2026,JZF-2024-6,", "tax_per_mu,330400,2025,JZF-2024-14,",
         "没有 tax_per_mu / 330400 / 2025 出处 “JZF-2024-14” 的目标"),
        ("bindings.csv", "va_per_mu,330400,2026,JZF-2024-6,两份", "va_per_mu,330400,2026,JZF-2024-6,,两份",
         "应有 5 列"),
    ],
)
def test_each_rule_reports_file_and_line(data_copy, file, old, expected, new):
    path = data_copy / file
    line = _line_of(path, old)
    _edit(path, old, new)
    problems = _problems(data_copy)
    hits = [p for p in problems if expected in p]
    assert hits, problems
    assert hits[0].startswith(f"{file}:{line}:"), hits[0]


def test_unknown_column_and_every_problem_collected(data_copy):
    _edit(data_copy / "units.csv", "unit,dimension,factor", "unit,dimension,factor,extra")
    _edit(data_copy / "targets.csv", "green_projects,330400,2024,500,", "green_projects,330400,2024,lots,")
    _edit(data_copy / "regions.csv", "330483,桐乡市,桐乡,county,330400", "330483,桐乡市,桐乡,province,330400")
    problems = _problems(data_copy)
    assert any(p.startswith("units.csv:1:") and "未知的列 extra" in p for p in problems)
    assert any(p.startswith("targets.csv:") and "“lots”" in p for p in problems)
    assert any(p.startswith("regions.csv:") and "“province”" in p for p in problems)


def test_duplicate_target_is_reported_with_both_lines(data_copy):
    path = data_copy / "targets.csv"
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[1]
    path.write_text(text + first + "\n", encoding="utf-8")
    problems = _problems(data_copy)
    assert any("与第 2 行重复" in p for p in problems), problems


def test_default_binding_needs_a_reason_and_one_per_target(data_copy):
    path = data_copy / "bindings.csv"
    line = _line_of(path, "labour_productivity,330400,2026,JZF-2024-6,")
    text = path.read_text(encoding="utf-8").splitlines()
    reason_less = text[line - 1].split(",")[:4]
    text[line - 1] = ",".join(reason_less) + ","
    text.append("labour_productivity,330400,2026,JZF-2024-14,另一个决定")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    problems = _problems(data_copy)
    assert f"bindings.csv:{line}: reason 不能为空：默认约束性目标须写明理由" in problems, problems
    assert any(p.startswith(f"bindings.csv:{len(text)}:") and f"与第 {line} 行重复" in p for p in problems), problems
