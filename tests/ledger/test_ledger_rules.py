"""The subsidy rules engine (metrics.subsidy) on the real rules of data/subsidy_rules.csv, with the
amounts worked out by hand from the clauses of 嘉政发〔2024〕6号 and the 两业融合 draft."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from jxtrack.catalog.model import DATA_DIR, CatalogError
from jxtrack.catalog.subsidy_rules import load_rules, rulebook
from jxtrack.ingest.credit_code import check_char, is_valid, problem_with
from metrics import subsidy as s

BOOK = rulebook()
RULES = s.binding_rules(BOOK.rules)


def proj(**kw) -> dict:
    base = {"project_id": "p1", "project_name": "项目", "enterprise": "企业", "credit_code": "x",
            "region": "330421", "project_type": "智能化技术改造", "productive_investment": 2500.0,
            "equipment_investment": 1000.0, "grade": "B", "strategic": False, "energy_saving": None,
            "co2_reduction": None, "water_saving": None, "third_party": False, "honours": "",
            "provincial_list": False, "commitment": False,
            "start_date": pd.Timestamp("2024-03-01"), "acceptance_date": pd.Timestamp("2025-06-30")}
    base.update(kw)
    return base


def run(*projects, rules=RULES, as_of=date(2026, 1, 1)) -> pd.DataFrame:
    return s.evaluate(pd.DataFrame(list(projects)), rules, as_of=as_of)


def one(rule: str, **kw) -> dict:
    out = run(proj(**kw))
    hit = out[out["rule"] == rule]
    assert len(hit) == 1, out[["rule", "status"]]
    return hit.iloc[0].to_dict()


# ---- 三（一）1（1）智能化技术改造 ------------------------------------------------------------------
@pytest.mark.parametrize("inv, status, amount", [(1999, "ineligible", 0), (1999.99, "ineligible", 0),
                                                 (2000, "eligible", 1000), (2001, "eligible", 1000)])
def test_smart_upgrade_threshold_2000_inclusive(inv, status, amount):
    r = one("smart_upgrade", productive_investment=inv)
    assert (r["status"], r["amount"]) == (status, amount)
    if status == "ineligible":
        assert "低于2000万元" in r["reason"]


@pytest.mark.parametrize("grade, strategic, amount, capped", [
    ("A", False, 1500, False), ("B", False, 1000, False), ("C", False, 600, False), ("D", False, 300, False),
    ("未参评", False, 1000, False),                      # 未参评 is treated as B
    ("B", True, 1050, False),                          # 1000 × 1.05
    ("C", True, 630, False), ("D", True, 315, False),
    ("未参评", True, 1050, False),
    ("A", True, 1500, True),                           # 1500 × 1.05 = 1575, capped at 1500
])
def test_smart_upgrade_grades_uplift_cap(grade, strategic, amount, capped):
    r = one("smart_upgrade", grade=grade, strategic=strategic)
    assert r["status"] == "eligible"
    assert r["amount"] == pytest.approx(amount)
    assert r["clause"] == "嘉政发〔2024〕6号 三（一）1（1）"
    assert ("封顶1500万元" in r["basis"]) == capped
    assert ("战新上浮5%" in r["basis"]) == strategic
    if grade == "未参评":
        assert "未参评，按B档" in r["basis"]


def test_smart_upgrade_basis_text():
    r = one("smart_upgrade", grade="A", strategic=True)
    assert r["basis"] == "A档1500万元，战新上浮5%为1575万元，封顶1500万元"


def test_smart_upgrade_not_for_other_types():
    out = run(proj(project_type="其他"))
    assert out.empty


# ---- 三（一）2（1）新能源替代利用/节能改造/节水改造 -------------------------------------------------
GREEN = {"project_type": "节能改造", "third_party": True, "equipment_investment": 1000.0}


@pytest.mark.parametrize("field, value, rate", [
    ("energy_saving", 199, None), ("energy_saving", 200, 8), ("energy_saving", 599, 8),
    ("energy_saving", 600, 9), ("energy_saving", 1000, 10), ("energy_saving", 1799, 11),
    ("energy_saving", 1800, 12), ("energy_saving", 2200, 12),          # 13 % by steps, at most 12 %
    ("co2_reduction", 399, None), ("co2_reduction", 400, 8), ("co2_reduction", 1199, 8),
    ("co2_reduction", 1200, 9),
    ("water_saving", 9.99, None), ("water_saving", 10, 8), ("water_saving", 29.9, 8), ("water_saving", 30, 9),
])
def test_green_thresholds_and_steps(field, value, rate):
    r = one("green_equipment", **GREEN, **{field: value})
    if rate is None:
        assert r["status"] == "ineligible" and r["amount"] == 0 and "未达" in r["reason"]
    else:
        assert r["status"] == "eligible"
        assert r["amount"] == pytest.approx(1000 * rate / 100)        # 设备投资额 1000万元 × rate
        assert f"×{rate}%" in r["basis"]


def test_green_best_of_three():
    # energy 1000 吨: (1000-200)/400 = 2 steps -> 10 %; CO₂ 1300 吨: 1 step -> 9 %; water 10: 8 %
    r = one("green_equipment", **GREEN, energy_saving=1000, co2_reduction=1300, water_saving=10)
    assert r["amount"] == pytest.approx(100.0)
    assert "年节能量" in r["basis"]


@pytest.mark.parametrize("equipment, status, amount", [
    (199, "ineligible", 0), (200, "eligible", 18),          # 200 × 9 % (600 吨: one step)
    (4000, "eligible", 360),                                # 4000 × 9 % = 360
    (5000, "eligible", 400),                                # 5000 × 9 % = 450, capped at 400万元
])
def test_green_equipment_floor_and_400_cap(equipment, status, amount):
    r = one("green_equipment", **{**GREEN, "equipment_investment": equipment}, energy_saving=600)
    assert (r["status"], r["amount"]) == (status, pytest.approx(amount))
    if equipment == 5000:
        assert r["basis"].endswith("封顶400万元")


def test_green_12_percent_and_400_cap_together():
    # 3000 × 12 % = 360 (rate capped, amount not); 4000 × 12 % = 480 -> 400
    assert one("green_equipment", **{**GREEN, "equipment_investment": 3000}, energy_saving=5000)["amount"] == 360
    r = one("green_equipment", **{**GREEN, "equipment_investment": 4000}, energy_saving=5000)
    assert r["amount"] == 400 and "比例封顶12%" in r["basis"]


def test_green_needs_third_party():
    r = one("green_equipment", **{**GREEN, "third_party": False}, energy_saving=800)
    assert r["status"] == "ineligible" and "第三方" in r["reason"]


# ---- honours; documents that disagree --------------------------------------------------------------
def test_future_factory_200_official_300_draft_switchable():
    assert one("future_factory", project_type="其他", honours="省级未来工厂")["amount"] == 200
    switched = s.binding_rules(BOOK.rules, {"future_factory": "future_factory_draft"})
    out = run(proj(project_type="其他", honours="省级未来工厂"), rules=switched)
    assert out[["rule", "amount", "clause"]].values.tolist() == [
        ["future_factory_draft", 300.0, "两业融合实施方案（征求意见稿） 四（一）1"]]


def test_every_rule_cites_document_and_clause():
    for r in BOOK.rules:
        assert r.document and r.clause and r.status in ("official", "draft")
    drafts = {r.code for r in BOOK.rules if r.status == "draft"}
    assert drafts == {"future_factory_draft", "highest_only_draft"}
    assert {r.code for r in RULES} & drafts == set()


# ---- 五、其他 就高不重复 ---------------------------------------------------------------------------
def test_highest_only_between_project_rules():
    out = run(proj(project_type="智能化技术改造|节能改造", grade="A", third_party=True,
                   equipment_investment=3000, energy_saving=600))
    r = out.set_index("rule")
    assert r.loc["smart_upgrade", "status"] == "eligible" and r.loc["smart_upgrade", "amount"] == 1500
    assert r.loc["green_equipment", "status"] == "superseded" and r.loc["green_equipment", "amount"] == 0
    why = r.loc["green_equipment", "reason"]
    assert "嘉政发〔2024〕6号 五、其他" in why and "智能化技术改造项目补助" in why and "270万元" in why
    assert "替代“新能源替代利用、节能改造、节水改造项目补助”" in r.loc["smart_upgrade", "reason"]
    assert out.loc[out["status"] == "eligible", "amount"].sum() == 1500


def test_highest_only_when_green_is_higher():
    # D 档 300 vs 4000 × 9 % = 360: the green rule wins
    out = run(proj(project_type="智能化技术改造|节能改造", grade="D", third_party=True,
                   equipment_investment=4000, energy_saving=600)).set_index("rule")
    assert out.loc["green_equipment", ["status", "amount"]].tolist() == ["eligible", 360]
    assert out.loc["smart_upgrade", "status"] == "superseded"


def test_highest_only_within_honour_family_not_across():
    out = run(proj(project_type="其他", honours="省级未来工厂|省级智能工厂|省级绿色工厂")).set_index("rule")
    assert out.loc["future_factory", ["status", "amount"]].tolist() == ["eligible", 200]
    assert out.loc["smart_factory", "status"] == "superseded"
    assert "省级未来工厂企业奖励" in out.loc["smart_factory", "reason"]
    assert out.loc["green_factory_provincial", ["status", "amount"]].tolist() == ["eligible", 50]


# ---- 预拨付 and the fund ----------------------------------------------------------------------------
@pytest.mark.parametrize("plist, commit, as_of, share", [
    (True, False, date(2024, 6, 1), 0.6), (True, True, date(2024, 6, 1), 0.9),
    (True, True, date(2024, 2, 1), 0.0),          # not started yet (开工 2024-03-01)
    (False, True, date(2024, 6, 1), 0.0),         # not on the provincial lists
])
def test_prepayment(plist, commit, as_of, share):
    out = run(proj(provincial_list=plist, commitment=commit), as_of=as_of)
    r = out.iloc[0]
    assert r["prepay_share"] == share and r["prepay"] == pytest.approx(1000 * share)


def test_fund_by_year():
    x = proj(project_id="x", provincial_list=True)                       # 1000, 60 % prepaid 2024
    y = proj(project_id="y", grade="A", start_date=pd.Timestamp("2025-01-10"),
             acceptance_date=pd.Timestamp("2025-11-30"))                 # 1500 in 2025
    z = proj(project_id="z", acceptance_date=None)                       # not accepted: not due
    subs = run(x, y, z)
    assert s.fund(subs, 2024, 10000) == {"year": 2024, "budget": 10000, "committed": 600, "prepaid": 600,
                                         "remaining": 9400, "committed_share": 0.06}
    # 2025: the balance of x (1000 − 600) and all of y
    f = s.fund(subs, 2025, 10000)
    assert (f["committed"], f["prepaid"], f["remaining"], f["committed_share"]) == (1900, 0, 8100, 0.19)


# ---- 统一社会信用代码 -------------------------------------------------------------------------------
def test_credit_code_hand_worked():
    # 9·1 + 1·3 + 3·9 + 3·27 + 0·19 + 4·26 = 224; 224 mod 31 = 7; 31 − 7 = 24 -> 'Q'
    assert check_char("91330400000000000") == "Q"
    assert is_valid("91330400000000000Q")
    assert is_valid(" 91330400000000000q ")                  # case and spaces forgiven
    assert "校验位" in problem_with("91330400000000000P")
    assert "校验位" in problem_with("91330400000000001Q")    # one character of the body altered
    assert "18位" in problem_with("91330400000000000")
    assert "I" in problem_with("9133040000000000IQ")         # I, O, S, V, Z are not used


def test_credit_code_weights_are_powers_of_three():
    from jxtrack.ingest.credit_code import WEIGHTS

    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


# ---- the rules file is validated like the catalog ----------------------------------------------------
def _broken(tmp_path, old: str, new: str):
    d = tmp_path / f"data{len(list(tmp_path.iterdir()))}"
    shutil.copytree(DATA_DIR, d)
    p = d / "subsidy_rules.csv"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as exc:
        load_rules(d)
    return exc.value.problems


def test_rules_file_breaks(tmp_path):
    probs = _broken(tmp_path, "A=1500|B=1000|C=600|D=300", "A=1500|B=1000|C=600")
    assert probs == ["subsidy_rules.csv:2: grade_grant 规则的 grades 须恰好给出 A、B、C、D 四档"]
    probs = _broken(tmp_path, ",LYRH-2024-ZQYJ,两业融合实施方案（征求意见稿）,draft,四（一）1",
                    ",LYRH-2024-ZQYJ,两业融合实施方案（征求意见稿）,official,四（一）1")
    assert any(p.startswith("subsidy_rules.csv:7:") and "不一致" in p for p in probs)
    probs = _broken(tmp_path, "省级未来工厂,,,,,300,,,,,,false,,,,false", "省级未来工厂,,,,,300,,,,,,false,,,,true")
    assert any("future_factory" in p and "binding_default" in p for p in probs)
    probs = _broken(tmp_path, "honour_award,JZF-2024-6,嘉政发〔2024〕6号,official,三（一）1（2）",
                    "honour_award,JZF-2024-6,嘉政发〔2024〕6号,official,")
    assert any(p.startswith("subsidy_rules.csv:4:") and "clause" in p for p in probs)
