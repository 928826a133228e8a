"""Which pages each role sees.  Hiding a page is a convenience; every service call checks the role
again (see ``webservices``)."""

from __future__ import annotations

from dataclasses import dataclass

ALL = ("admin", "staff", "county", "leader")


@dataclass(frozen=True)
class PageDef:
    path: str
    title: str
    icon: str
    roles: tuple[str, ...]
    url: str


PAGES = [
    PageDef("pages/overview.py", "总览", ":material/dashboard:", ALL, "overview"),
    PageDef("pages/indicator.py", "指标详情", ":material/monitoring:", ALL, "indicator"),
    PageDef("pages/county.py", "区县", ":material/location_city:", ALL, "county"),
    PageDef("pages/upload.py", "数据上传", ":material/upload_file:", ("admin", "staff", "county"), "upload"),
    PageDef("pages/reporting.py", "报送情况", ":material/event_available:", ALL, "reporting"),
    PageDef("pages/quality.py", "数据质量", ":material/fact_check:", ALL, "quality"),
    PageDef("pages/targets.py", "目标管理", ":material/flag:", ALL, "targets"),
    PageDef("pages/users.py", "用户管理", ":material/group:", ("admin",), "users"),
]


def pages_for(role: str) -> list[PageDef]:
    return [p for p in PAGES if role in p.roles]
