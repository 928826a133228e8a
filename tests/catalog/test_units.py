"""COUNT_UNITS has one owner, kept in step with the unit data."""

from __future__ import annotations

from jxtrack.catalog.model import COUNT_UNITS
from jxtrack.present import fmt
from jxtrack.reports.text import num
from jxtrack.services import lookup


def test_count_units_are_the_count_dimension_of_units_csv():
    units = lookup.catalog().units
    assert set(units.loc[units["dimension"] == "count", "unit"]) == set(COUNT_UNITS) == {"个", "家", "项"}


def test_every_surface_writes_counts_as_whole_numbers():
    for unit in COUNT_UNITS:
        assert fmt.number(1531, unit) == f"1,531 {unit}"
        assert num(1531, unit) == "1,531"
    assert fmt.number(366.04, "亿元") == "366.0 亿元"
