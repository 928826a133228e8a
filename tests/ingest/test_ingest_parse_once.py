"""An upload is parsed once (issue 18): the preview's parse is what the confirm writes, kept by the
file's hash; what depends on the database is judged again at the confirm."""

from __future__ import annotations

import pytest

from conftest import ADMIN, JIASHAN
from jxtrack.ingest import reader
from jxtrack.services import importing


@pytest.fixture
def reads(monkeypatch):
    """Every workbook read, by the bytes' length."""
    importing.forget_parses()
    seen: list[int] = []
    real = reader.read_workbook

    def counting(data, *a, **k):
        seen.append(len(data))
        return real(data, *a, **k)

    monkeypatch.setattr(reader, "read_workbook", counting)
    yield seen


def test_preview_then_confirm_reads_the_file_once(empty_store, fx, reads):
    data = fx["good_xlsx"].read_bytes()
    pre = importing.preview_import(empty_store, data, "good.xlsx", ADMIN)
    importing.preview_import(empty_store, data, "good.xlsx", ADMIN)       # a rerun of the page
    done = importing.commit_import(empty_store, data, "good.xlsx", ADMIN, accept_warnings=True)
    assert reads == [len(data)]
    assert done.status == "accepted" and done.file_hash == pre.file_hash
    # what the confirm wrote is what the preview showed
    written = empty_store.observations(periods=[pre.period], regions=[pre.region])
    assert sorted(zip(written["measure"], written["value"], strict=True)) == sorted(
        zip(pre.values["measure"], pre.values["value"], strict=True))


def test_confirm_judges_against_the_database_as_it_is_then(empty_store, fx, reads):
    data = fx["good_xlsx"].read_bytes()
    pre = importing.preview_import(empty_store, data, "good.xlsx", ADMIN)
    assert set(pre.diff["change"]) == {"new"}
    importing.commit_import(empty_store, data, "good.xlsx", ADMIN, accept_warnings=True)
    again = importing.preview_import(empty_store, data, "good.xlsx", ADMIN)
    assert set(again.diff["change"]) == {"same"}          # the parse is kept, the diff is not
    assert importing.commit_import(empty_store, data, "good.xlsx", ADMIN).status == "identical"
    assert reads == [len(data)]


def test_a_sheet_without_its_region_is_read_once_for_a_county_reporter(empty_store, fx, reads):
    data = fx["region_unknown"].read_bytes()
    res = importing.preview_import(empty_store, data, "r.xlsx", JIASHAN)
    assert reads == [len(data)]                           # was read twice: once without, once with the region
    assert res.region == JIASHAN.region and not res.errors
    # the operator, who has no county, is told the sheet does not say whose it is
    assert "region_unknown" in {p.code for p in importing.preview_import(empty_store, data, "r.xlsx", ADMIN).errors}


def test_other_bytes_or_another_period_are_parsed_anew(empty_store, fx, reads):
    a, b = fx["good_xlsx"].read_bytes(), fx["good_csv"].read_bytes()
    importing.preview_import(empty_store, a, "a.xlsx", ADMIN)
    importing.preview_import(empty_store, b, "b.csv", ADMIN)
    importing.preview_import(empty_store, a, "a.xlsx", ADMIN, period="2025-09")
    assert reads == [len(a), len(b), len(a)]
