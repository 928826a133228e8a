import pandas as pd

from metrics.targets import select_binding

SOURCES = pd.DataFrame(
    [
        ("OFF", "official", "2024-01-15"),
        ("DRF", "draft", "2024-02-28"),  # later than OFF, but only a draft
        ("OFF2", "official", "2024-06-01"),
    ],
    columns=["code", "status", "issued"],
)


def targets(*rows):
    df = pd.DataFrame(list(rows), columns=["indicator", "region", "year", "value", "source"])
    return df.assign(comparator=">=", clause="c", note="")


def binding_source(out, indicator="tax", region="C", year=2026):
    b = out[
        (out["indicator"] == indicator) & (out["region"] == region) & (out["year"] == year) & out["binding"]
    ]
    assert len(b) == 1, "exactly one binding row per key"
    return b.iloc[0]["source"]


def test_official_beats_newer_draft():
    # 规上亩均税收 2026: 40 official vs 42 draft; official binds though the draft is newer
    t = targets(("tax", "C", 2026, 40.0, "OFF"), ("tax", "C", 2026, 42.0, "DRF"))
    out = select_binding(t, SOURCES)
    assert out["binding"].tolist() == [True, False]
    assert binding_source(out) == "OFF"


def test_tie_goes_to_most_recently_issued():
    t = targets(("tax", "C", 2026, 40.0, "OFF"), ("tax", "C", 2026, 41.0, "OFF2"))
    assert binding_source(select_binding(t, SOURCES)) == "OFF2"


def test_override_wins_over_official():
    t = targets(("tax", "C", 2026, 40.0, "OFF"), ("tax", "C", 2026, 42.0, "DRF"))
    ov = pd.DataFrame([("tax", "C", 2026, "DRF")], columns=["indicator", "region", "year", "source"])
    out = select_binding(t, SOURCES, ov)
    assert out["binding"].tolist() == [False, True]


def test_override_only_affects_its_key_and_last_override_counts():
    t = targets(
        ("tax", "C", 2026, 40.0, "OFF"),
        ("tax", "C", 2026, 42.0, "DRF"),
        ("tax", "C", 2025, 39.0, "OFF"),
        ("tax", "C", 2025, 41.0, "DRF"),
    )
    ov = pd.DataFrame(
        [("tax", "C", 2026, "DRF"), ("tax", "C", 2026, "OFF")],  # switched back later
        columns=["indicator", "region", "year", "source"],
    )
    out = select_binding(t, SOURCES, ov)
    assert binding_source(out, year=2026) == "OFF"
    assert binding_source(out, year=2025) == "OFF"


def test_stale_override_falls_back_to_default_rule():
    t = targets(("tax", "C", 2026, 40.0, "OFF"), ("tax", "C", 2026, 42.0, "DRF"))
    ov = pd.DataFrame([("tax", "C", 2026, "GONE")], columns=["indicator", "region", "year", "source"])
    assert binding_source(select_binding(t, SOURCES, ov)) == "OFF"


def test_exactly_one_binding_per_key_and_rows_kept():
    t = targets(
        ("tax", "C", 2026, 40.0, "OFF"),
        ("va", "C", 2026, 250.0, "DRF"),  # only a draft: still binding, nothing better
        ("tax", "A", 2026, 30.0, "DRF"),
        ("tax", "C", 2026, 42.0, "DRF"),
    )
    out = select_binding(t, SOURCES)
    assert len(out) == 4
    assert out[["indicator", "region", "year", "value"]].equals(t[["indicator", "region", "year", "value"]])
    assert out["binding"].tolist() == [True, True, True, False]
    per_key = out.groupby(["indicator", "region", "year"])["binding"].sum()
    assert (per_key == 1).all()


def test_binding_basis_says_which_rule_chose():
    sources = pd.concat([SOURCES, pd.DataFrame([("OFF3", "official", "2024-06-01")],
                                               columns=["code", "status", "issued"])], ignore_index=True)
    t = targets(
        ("tax", "C", 2026, 40.0, "OFF"), ("tax", "C", 2026, 42.0, "DRF"),    # official beats draft
        ("va", "C", 2026, 250.0, "OFF"), ("va", "C", 2026, 251.0, "OFF2"),   # two officials: newer
        ("lp", "C", 2026, 36.0, "OFF2"), ("lp", "C", 2026, 37.0, "OFF3"),    # same standing and date
        ("sv", "C", 2026, 4600.0, "DRF"),                                    # the only figure
        ("pr", "C", 2026, 1.0, "OFF2"), ("pr", "C", 2026, 2.0, "OFF"),       # decided by an override
    )
    ov = pd.DataFrame([("pr", "C", 2026, "OFF")], columns=["indicator", "region", "year", "source"])
    out = select_binding(t, sources, ov)
    assert out["binding"].tolist() == [True, False, False, True, True, False, True, False, True]
    assert out["binding_basis"].tolist() == ["status", "", "", "issued", "order", "", "only", "", "override"]
