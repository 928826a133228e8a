"""Which pages each user sees: a page needs an action of the access policy (``jxtrack.domain.access``).
Hiding a page is a convenience; every service call asks the policy again."""

from __future__ import annotations

from dataclasses import dataclass

from jxtrack.domain import access
from jxtrack.domain.access import User


@dataclass(frozen=True)
class PageDef:
    path: str
    title: str
    icon: str
    action: str   # what the page is for (access policy); 'read' pages are everyone's
    url: str


PAGES = [
    PageDef("pages/overview.py", "总览", ":material/dashboard:", "read", "overview"),
    PageDef("pages/indicator.py", "指标详情", ":material/monitoring:", "read", "indicator"),
    PageDef("pages/county.py", "区县", ":material/location_city:", "read", "county"),
    PageDef("pages/upload.py", "数据上传", ":material/upload_file:", "import", "upload"),
    PageDef("pages/reporting.py", "报送情况", ":material/event_available:", "read", "reporting"),
    PageDef("pages/quality.py", "数据质量", ":material/fact_check:", "read", "quality"),
    PageDef("pages/targets.py", "目标管理", ":material/flag:", "read", "targets"),
    PageDef("pages/projects.py", "项目库", ":material/inventory_2:", "read", "projects"),
    PageDef("pages/users.py", "用户管理", ":material/group:", "manage_users", "users"),
]


def pages_for(user: User) -> list[PageDef]:
    return [p for p in PAGES if access.can(user, p.action)]
