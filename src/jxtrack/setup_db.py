"""Create or upgrade a database, load the catalog, and optionally the demo data and accounts."""

from __future__ import annotations

import pandas as pd

from . import auth, demo
from .catalog import Catalog
from .store import Store, StoreError, now

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


def _real_uploads(con) -> int:
    return con.execute("SELECT count(*) FROM uploads WHERE kind <> 'demo'").fetchone()[0]


def load_demo(store: Store, catalog: Catalog, regions: pd.DataFrame | None = None,
              years: int = 3, end: str = demo.DEMO_END) -> bool:
    """Load demo data (示例数据).  Refuses a database that holds real uploads; replaces earlier
    demo data otherwise.  Returns False if demo data with the same shape is already there."""
    with store.connect() as con:
        if _real_uploads(con):
            raise StoreError("该数据库已有正式上传的数据，不能再加载示例数据。请用 JXTRACK_DB 指定一个新的数据库文件。")
        already = con.execute("SELECT count(*) FROM uploads WHERE kind = 'demo'").fetchone()[0]
        if already and regions is None and store.get_meta("demo_shape") == f"default:{years}:{end}":
            return False
    obs, county_targets = demo.build(catalog, regions, end=end, years=years)
    with store.transaction() as con:
        con.execute("DELETE FROM observations WHERE upload_id IN (SELECT upload_id FROM uploads WHERE kind='demo')")
        con.execute("DELETE FROM uploads WHERE kind = 'demo'")
        con.execute("DELETE FROM targets WHERE source = ?", [demo.DEMO_SOURCE])
        con.execute("DELETE FROM target_sources WHERE code = ?", [demo.DEMO_SOURCE])
        if regions is not None:
            con.execute("DELETE FROM regions WHERE level = 'county'")
            con.register("reg_in", regions[regions["level"] == "county"])
            con.execute("INSERT INTO regions BY NAME SELECT * FROM reg_in")
            con.unregister("reg_in")
        upload_id = store.record_upload(
            con, kind="demo", username="demo", status="accepted", file_name="示例数据（系统生成）",
            values=obs,
        )
        con.execute(
            "INSERT INTO target_sources (code, doc_number, title, issuer, issued, status, note, origin, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, 'official', ?, 'user', 'demo', ?)",
            [demo.DEMO_SOURCE, "示例", demo.DEMO_SOURCE_TITLE, "嘉兴市工作专班（示例）", "2024-03-01",
             "示例数据：演示用的区县任务分解", now()],
        )
        con.register("ct_in", county_targets.assign(origin="user"))
        con.execute("INSERT INTO targets BY NAME SELECT * FROM ct_in")
        con.unregister("ct_in")
        store.set_meta(con, "demo", "true")
        store.set_meta(con, "demo_shape", f"default:{years}:{end}" if regions is None
                       else f"synthetic:{len(regions)}:{years}:{end}")
        store.audit(con, "system", "demo.load", f"upload:{upload_id}",
                    {"observations": len(obs), "county_targets": len(county_targets)})
    for username, role, region, display, password in DEMO_ACCOUNTS:
        if store.get_user(username) is None:
            auth.add_user(store, username, password, role, region, actor="system", display_name=display)
    return True
