"""Create or upgrade a database, load the catalog, and optionally the demo data and accounts."""

from __future__ import annotations

import pandas as pd

from jxtrack.catalog.model import Catalog
from jxtrack.services import auth, demo
from jxtrack.store.interface import Store, StoreError

# One demo account per role.  Shown by `make run` and on the sign-in page of a demo database only.
DEMO_ACCOUNTS = [
    ("admin", "admin", None, "示例管理员", "jxdemo-admin"),
    ("zhuanban", "staff", None, "示例市工作专班", "jxdemo-staff"),
    ("jiashan", "county", "330421", "示例嘉善县填报员", "jxdemo-county"),
    ("lingdao", "leader", None, "示例领导", "jxdemo-leader"),
]


def init(store: Store, catalog: Catalog, with_demo: bool = False) -> dict:
    """Migrate, sync the catalog, and load demo data if asked and the database has none."""
    applied = store.migrate()
    store.sync_catalog(catalog)
    loaded = False
    if with_demo:
        loaded = load_demo(store, catalog)
    return {"migrations": applied, "demo_loaded": loaded}


def load_demo(store: Store, catalog: Catalog, regions: pd.DataFrame | None = None,
              years: int = 3, end: str = demo.DEMO_END) -> bool:
    """Load demo data (示例数据).  Refuses a database that holds real uploads; replaces earlier
    demo data otherwise.  Returns False if demo data with the same shape is already there."""
    if store.count_uploads(demo=False):
        raise StoreError("该数据库已有正式上传的数据，不能再加载示例数据。请用 JXTRACK_DB 指定一个新的数据库文件。")
    shape = f"default:{years}:{end}" if regions is None else f"synthetic:{len(regions)}:{years}:{end}"
    if regions is None and store.count_uploads(demo=True) and store.get_meta("demo_shape") == shape:
        _bind_demo_accounts(store)
        return False
    obs, county_targets = demo.build(catalog, regions, end=end, years=years)
    store.replace_demo(
        obs, county_targets, None if regions is None else regions[regions["level"] == "county"],
        source=dict(code=demo.DEMO_SOURCE, doc_number="示例", title=demo.DEMO_SOURCE_TITLE,
                    issuer="嘉兴市工作专班（示例）", issued="2024-03-01", note="示例数据：演示用的区县任务分解"),
        shape=shape)
    _bind_demo_accounts(store)
    return True


def _bind_demo_accounts(store: Store) -> None:
    """Create the demo accounts, and keep the demo county reporter bound to a county that exists:
    synthetic demo data (``jxtrack demo --regions N``) replaces the counties, so its 嘉善县 becomes
    the first synthetic county, and back again when the real counties return."""
    counties = store.regions()
    counties = counties[counties["level"] == "county"].sort_values("sort")
    names = dict(zip(counties["code"], counties["name"], strict=True))
    for username, role, region, display, password in DEMO_ACCOUNTS:
        row = store.get_user(username)
        if role == "county" and region not in names and len(counties):
            region = str(counties["code"].iloc[0])
            display = f"示例{names[region]}填报员"
        if row is None:
            auth.add_user(store, username, password, role, region, actor="system", display_name=display)
        elif role == "county" and row["region"] not in names and len(counties):
            store.update_user(username, "system", "user.update", region=region, display_name=display)
