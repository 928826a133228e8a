"""`jxtrack demo --regions N` replaces the counties; the demo county reporter must not be left bound
to a county that no longer exists (issue 20, item 8)."""

from __future__ import annotations

from jxtrack.cli import run as cli
from jxtrack.services import lookup, setup_db


def _county_codes(store) -> set[str]:
    r = store.regions()
    return set(r.loc[r["level"] == "county", "code"])


def test_demo_regions_rebinds_the_demo_county_reporter(demo_store, capsys):
    assert demo_store.get_user("jiashan")["region"] == "330421"
    assert cli.main(["demo", "--regions", "3", "--years", "1"]) == 0
    assert _county_codes(demo_store) == {"S0001", "S0002", "S0003"}
    user = demo_store.get_user("jiashan")
    assert user["region"] == "S0001"                      # was 330421, which is gone
    assert user["display_name"] == "示例示例区县0001填报员"
    # every account of the demo is bound to a region that exists (or to none)
    users = demo_store.users()
    bound = users["region"].dropna()
    assert set(bound) <= _county_codes(demo_store)
    # the real counties back (init --demo): back to 嘉善县
    setup_db.init(demo_store, lookup.catalog(), with_demo=True)
    assert demo_store.get_user("jiashan")["region"] == "330421"
    assert demo_store.get_user("jiashan")["display_name"] == "示例嘉善县填报员"
    assert "330421" in _county_codes(demo_store)
