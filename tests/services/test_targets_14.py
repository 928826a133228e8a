"""The issued 两业融合 plan, 嘉政发〔2024〕14号: its figures with their clause, which document binds
where two give a figure, the draft's figures kept beside, and the CLI showing all of them.

Figures are those of the published text's "一、总体目标" (嘉兴市人民政府网站, 2024-04-24):
"累计培育国家级服务型制造示范企业20家以上、工业设计中心（企业）8个以上 … 规上工业增加值突破4000亿元，
规上亩均工业增加值达到250万元/亩以上，规上亩均工业税收达到41万元/亩以上，规上工业全员劳动生产率达到
36万元/人，生产性服务业增加值力争突破2300亿元，生产性服务业增加值占服务业的比重力争达到62%以上".
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from jxtrack.catalog.model import load_catalog
from jxtrack.cli import run as cli
from jxtrack.domain.access import User
from jxtrack.ingest.normalise import Matcher
from jxtrack.services import lookup, setup_db, status_table
from jxtrack.services import targets as targets_svc
from jxtrack.store.interface import CATALOG_BINDING_SETTER

CITY = "330400"
S6, S14, DRAFT = "JZF-2024-6", "JZF-2024-14", "LYRH-2024-ZQYJ"

# indicator -> (2026 figure, words of the clause it is read from), all in "一、总体目标"
FIGURES_14 = {
    "service_mfg_firms": (20, "国家级服务型制造示范企业20家以上"),
    "design_centers": (8, "工业设计中心（企业）8个以上"),
    "industrial_va": (4000, "规上工业增加值突破4000亿元"),
    "va_per_mu": (250, "规上亩均工业增加值达到250万元/亩以上"),
    "tax_per_mu": (41, "规上亩均工业税收达到41万元/亩以上"),
    "labour_productivity": (36, "规上工业全员劳动生产率达到36万元/人"),
    "producer_services_va": (2300, "生产性服务业增加值力争突破2300亿元"),
    "producer_services_share": (62, "生产性服务业增加值占服务业的比重力争达到62%以上"),
}
# the draft's 2026 figures for the same indicators (section 二、主要目标 of the seed)
DRAFT_2026 = {"service_mfg_firms": 18, "design_centers": 6, "industrial_va": 4000, "va_per_mu": 250,
              "tax_per_mu": 42, "labour_productivity": 36, "producer_services_share": 55}


def test_source_row_of_the_issued_plan():
    src = load_catalog().sources.set_index("code")
    s = src.loc[S14]
    assert s["doc_number"] == "嘉政发〔2024〕14号"
    assert (s["status"], s["issued"], s["issuer"]) == ("official", "2024-04-18", "嘉兴市人民政府")
    assert s["title"].startswith("嘉兴市推动先进制造业和现代服务业深度融合发展实施方案")
    assert src.loc[DRAFT, "status"] == "draft"


def test_every_figure_of_14_with_its_clause_and_nothing_else():
    t = load_catalog().targets
    f14 = t[t["source"] == S14]
    # only the 8 figures read in the text, all for the city and 2026, none invented for other years
    assert sorted(f14["indicator"]) == sorted(FIGURES_14)
    assert set(f14["year"]) == {2026} and set(f14["region"]) == {CITY} and set(f14["comparator"]) == {">="}
    for row in f14.itertuples():
        value, words = FIGURES_14[row.indicator]
        assert row.value == value, row.indicator
        assert row.clause.startswith("一、总体目标："), row.clause
        assert words in row.clause, (row.indicator, row.clause)


def test_final_text_changed_definitions_are_in_the_names_with_codes_kept():
    ind = load_catalog().indicators.set_index("code")
    assert ind.loc["service_mfg_firms", "name"] == "累计培育国家级服务型制造示范企业"
    assert ind.loc["design_centers", "name"] == "累计培育工业设计中心（企业）"
    assert ind.loc["producer_services_va", ["group", "unit", "kind"]].tolist() == ["两业", "亿元", "annual_flow"]


def test_sheet_names_old_and_new_map_to_the_same_measures():
    m = Matcher.from_catalog(load_catalog())
    assert m.measure("国家级服务型制造示范企业（家）")[0] == "service_mfg_firms_cum"
    assert m.measure("累计培育国家级服务型制造示范企业")[0] == "service_mfg_firms_cum"
    assert m.measure("其中：工业设计中心（企业）")[0] == "design_centers_cum"
    assert m.measure("累计培育工业设计中心")[0] == "design_centers_cum"  # the old template's name
    # the draft's unlevelled name is not taken for 国家级: counting 省级/市级 ones would be wrong
    assert m.measure("累计培育服务型制造示范企业")[0] is None


@pytest.fixture
def rows(empty_store):
    """Every city target of 2026 as services show it (catalog only, no working-group decisions)."""
    t = status_table.binding_targets(empty_store)
    return t[(t["region"] == CITY) & (t["year"] == 2026)]


def _binding(rows, indicator):
    b = rows[(rows["indicator"] == indicator) & rows["binding"]]
    assert len(b) == 1, indicator
    return b.iloc[0]


@pytest.mark.parametrize("indicator", ["service_mfg_firms", "design_centers", "industrial_va",
                                       "producer_services_share"])
def test_14_binds_over_the_draft_for_its_own_figures(rows, indicator):
    b = _binding(rows, indicator)
    assert (b["source"], b["value"]) == (S14, FIGURES_14[indicator][0])
    assert b["binding_reason"] == "正式文件优先于征求意见稿"


def test_14_binds_where_it_is_the_only_document(rows):
    b = _binding(rows, "producer_services_va")
    assert (b["source"], b["value"], b["binding_basis"]) == (S14, 2300, "only")


@pytest.mark.parametrize("indicator, value_6", [("tax_per_mu", 40), ("va_per_mu", 250),
                                                ("labour_productivity", 36)])
def test_two_official_documents_6_binds_for_its_task_table_with_the_reason(rows, indicator, value_6):
    b = _binding(rows, indicator)
    assert (b["source"], b["value"], b["binding_basis"]) == (S6, value_6, "override")
    assert b["binding_reason"].startswith("目录默认：") and "任务指标表" in b["binding_reason"]
    other = rows[(rows["indicator"] == indicator) & (rows["source"] == S14)]
    assert other["value"].tolist() == [FIGURES_14[indicator][0]] and not other["binding"].any()


def test_draft_figures_kept_and_not_binding_where_14_gives_one(rows):
    draft = rows[rows["source"] == DRAFT].set_index("indicator")
    for indicator, value in DRAFT_2026.items():
        assert draft.loc[indicator, "value"] == value, indicator
        assert not draft.loc[indicator, "binding"], indicator


def test_draft_still_binds_where_14_sets_nothing_and_says_so(rows):
    # 14号's 一、总体目标 names neither 两业融合试点 nor 服务业增加值
    for indicator, value in (("lyrh_pilots", 2), ("services_va", 4600)):
        b = _binding(rows, indicator)
        assert (b["source"], b["value"]) == (DRAFT, value)
        assert "14号" in b["note"] and "未列" in b["note"]


def test_working_group_switch_stands_across_catalog_reloads(empty_store):
    staff = User("zhuanban", "staff", None, "工作专班")
    targets_svc.set_binding(empty_store, staff, indicator="tax_per_mu", region=CITY, year=2026, source=S14,
                   reason="以两业融合方案为准")
    setup_db.init(empty_store, lookup.catalog())  # `jxtrack init` again: the catalog is re-synced
    t = status_table.binding_targets(empty_store)
    b = t[(t["indicator"] == "tax_per_mu") & (t["year"] == 2026) & (t["region"] == CITY) & t["binding"]]
    assert (b["source"].iloc[0], b["value"].iloc[0]) == (S14, 41)
    assert b["binding_reason"].iloc[0] == "工作专班（zhuanban）切换：以两业融合方案为准"
    # the other two defaults are still the catalog's
    ov = empty_store.binding_overrides().set_index("indicator")
    assert ov.loc["va_per_mu", "set_by"] == CATALOG_BINDING_SETTER
    assert ov.loc["tax_per_mu", "set_by"] == "zhuanban"


def test_catalog_defaults_logged_once_with_their_reason(empty_store):
    ch = empty_store.target_changes()
    default = ch[ch["action"] == "binding.default"]
    assert sorted(default["indicator"]) == ["labour_productivity", "tax_per_mu", "va_per_mu"]
    tax = default[default["indicator"] == "tax_per_mu"].iloc[0]
    assert (tax["source"], tax["new_value"]) == (S6, 40) and "41万元/亩" in tax["reason"]
    setup_db.init(empty_store, lookup.catalog())  # unchanged defaults are not logged again
    assert (empty_store.target_changes()["action"] == "binding.default").sum() == 3


def test_cli_targets_csv_shows_every_source_and_which_binds(empty_store, capsys):
    assert cli.main(["targets", "--format", "csv"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    city = df[(df["region"] == "嘉兴市") & (df["year"] == 2026)]

    def figures(indicator):
        r = city[city["indicator_code"] == indicator]
        return {(v, s.split(" ")[0], st, b) for v, s, st, b in
                zip(r["target_value"], r["source"], r["status"], r["binding"], strict=True)}

    assert figures("service_mfg_firms") == {(20, "嘉政发〔2024〕14号", "official", True),
                                            (18, "征求意见稿（无文号）", "draft", False)}
    assert figures("design_centers") == {(8, "嘉政发〔2024〕14号", "official", True),
                                         (6, "征求意见稿（无文号）", "draft", False)}
    assert figures("tax_per_mu") == {(40, "嘉政发〔2024〕6号", "official", True),
                                     (41, "嘉政发〔2024〕14号", "official", False),
                                     (42, "征求意见稿（无文号）", "draft", False)}
    assert figures("producer_services_share") == {(62, "嘉政发〔2024〕14号", "official", True),
                                                  (55, "征求意见稿（无文号）", "draft", False)}
    name = city.loc[city["indicator_code"] == "service_mfg_firms", "indicator_name"].iloc[0]
    assert name == "累计培育国家级服务型制造示范企业"
