import pandas as pd
import pytest

from metrics.progress import group_light


def lights(*pairs):
    return pd.DataFrame(list(pairs), columns=["grp", "light"])


def overall(df):
    return group_light(df, "grp").set_index("grp")["light"].to_dict()


def test_worst_wins():
    df = lights(
        ("r", "green"), ("r", "red"), ("r", "done"), ("r", "yellow"),  # one red shows
        ("y", "green"), ("y", "yellow"), ("y", "done"),
        ("g", "done"), ("g", "green"),
        ("d", "done"), ("d", "done"),
    )  # fmt: skip
    assert overall(df) == {"r": "red", "y": "yellow", "g": "green", "d": "done"}


def test_none_ignored_unless_all_none():
    df = lights(("a", "none"), ("a", "green"), ("b", "none"), ("b", "none"), ("c", "none"), ("c", "done"))
    assert overall(df) == {"a": "green", "b": "none", "c": "done"}


def test_multiple_keys_and_counts():
    df = pd.DataFrame(
        [("C", "两化", "red"), ("C", "两化", "none"), ("C", "两业", "green"), ("A", "两化", "yellow")],
        columns=["region", "group", "light"],
    )
    out = group_light(df, ["region", "group"]).set_index(["region", "group"])
    assert out.loc[("C", "两化"), "light"] == "red"
    assert out.loc[("C", "两化"), "n_red"] == 1 and out.loc[("C", "两化"), "n_none"] == 1
    assert out.loc[("C", "两业"), "light"] == "green"
    assert out.loc[("A", "两化"), "light"] == "yellow"
    assert len(out) == 3


def test_unknown_light_rejected():
    with pytest.raises(ValueError):
        group_light(lights(("a", "purple")), "grp")
