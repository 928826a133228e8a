"""The access policy: the one answer to "may this user do this to that?".

Every surface — pages, CLI, reports, services — asks here; nothing else decides a permission
(after datasette's ``permission_allowed(actor, action, resource)``).  The menu hides pages too, but
that is a convenience: the services call :func:`ensure` where data is read and written.

Roles (DOMAIN.md): 领导 ``leader`` reads everything; 区县填报员 ``county`` reads its own county and
the city total, imports and withdraws only its own county's figures; 市工作专班 ``staff`` reads and
writes every region and maintains targets and settings; 管理员 ``admin`` may do all staff may and
manages users.

Actions and their resource:

============== =================================== =========================================
action         resource                            who
============== =================================== =========================================
read           a region code                       everyone signed in; county: own + city
import         a region code                       county: own; staff, admin: any
withdraw       the region codes of an upload       county: own only (all of them); staff, admin
switch_binding —                                   staff, admin
edit_targets   —                                   staff, admin
settings       —                                   staff, admin
review         a region code (approve / return)    staff, admin (a county cannot approve)
reopen         a region code (an approved report)  staff, admin
manage_users   —                                   admin
supervise      a region code (the county supervised) staff, admin: open, close, ask again (督办)
reply          a region code (the county supervised) county: own only (answer a 督办)
supervision    —                                   leader (read-only), staff, admin: 督办清单
============== =================================== =========================================

Who sees which upload in 上传记录 is :func:`sees_upload`: its uploader, and whoever may read every
region its figures touch; a refused attempt (no figures) only its uploader's own county, or staff.

A withdrawal also needs a reason, everywhere; that rule belongs to the upload service
(``importing.withdraw``), which calls this policy for the permission part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jxtrack.domain.errors import UserError

ROLES = {
    "admin": "管理员",
    "staff": "市工作专班",
    "county": "区县填报员",
    "leader": "领导",
}


class AuthError(UserError):
    """Sign-in or permission problem; ``str()`` is a Chinese message."""


class PermissionDenied(AuthError):
    pass


@dataclass(frozen=True)
class User:
    username: str
    role: str
    region: str | None = None
    display_name: str | None = None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


OPERATOR = User("operator", "admin", None, "命令行操作员")


ACTIONS = ("read", "import", "withdraw", "switch_binding", "edit_targets", "settings", "review", "reopen",
           "manage_users", "supervise", "reply", "supervision")
WRITERS = ("staff", "admin")
# what each action is called in a refusal
ACTION_WORDS = {
    "read": "查看数据",
    "import": "导入报表",
    "withdraw": "撤回上传",
    "switch_binding": "切换约束性目标",
    "edit_targets": "维护目标",
    "settings": "修改系统设置",
    "review": "审核报表",
    "reopen": "重新打开已审核的报表",
    "manage_users": "用户管理",
    "supervise": "发起、办结督办",
    "reply": "回复督办",
    "supervision": "查看督办清单",
}
_ROLE_ACTIONS = {
    "leader": {"read", "supervision"},
    "county": {"read", "import", "withdraw", "reply"},
    "staff": {"read", "import", "withdraw", "switch_binding", "edit_targets", "settings", "review", "reopen",
              "supervise", "supervision"},
    # a 督办's answer is the county's own word: nobody replies for it, not even an admin
    "admin": set(ACTIONS) - {"reply"},
}


def _regions_of(resource: str | Iterable[str] | None) -> list[str]:
    if resource is None:
        return []
    if isinstance(resource, str):
        return [resource]
    return [str(r) for r in resource]


def can(user: User | None, action: str) -> bool:
    """True when ``user``'s role has ``action`` at all (for some resource): what a menu or a
    button may offer.  The resource is checked by :func:`allowed` when the action is taken."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return user is not None and action in _ROLE_ACTIONS.get(user.role, set())


def allowed(user: User | None, action: str, resource: str | Iterable[str] | None = None, *,
            city: str | None = None) -> bool:
    """True when ``user`` may do ``action`` to ``resource`` (a region code or, for ``withdraw``,
    the region codes of an upload).  ``city`` is the city's region code (a county may read it)."""
    if not can(user, action):
        return False
    if user.role != "county":
        return True
    regions = _regions_of(resource)
    if action == "read":
        return all(r in (user.region, city) for r in regions)
    if action in ("import", "withdraw", "reply"):
        # an upload that touches no region (nothing known) or any other county is not the county's
        return bool(regions) and all(r == user.region for r in regions)
    return False


def ensure(user: User | None, action: str, resource: str | Iterable[str] | None = None, *,
           city: str | None = None, names: Mapping[str, str] | None = None) -> User:
    """Return ``user`` when allowed; raise :class:`PermissionDenied` with a Chinese message that
    says what was refused and why (``names`` maps region codes to names for the message)."""
    if user is None:
        raise PermissionDenied("请先登录。")
    if allowed(user, action, resource, city=city):
        return user
    raise PermissionDenied(refusal(user, action, resource, names=names))


def refusal(user: User, action: str, resource: str | Iterable[str] | None = None, *,
            names: Mapping[str, str] | None = None) -> str:
    """The Chinese sentence for a refused ``action``."""
    names = names or {}
    word = ACTION_WORDS.get(action, action)
    if action not in _ROLE_ACTIONS.get(user.role, set()):
        who = [ROLES[r] for r, acts in _ROLE_ACTIONS.items() if action in acts]
        return f"{word}仅限{'、'.join(who)}；您的角色是{user.role_label}。"
    own = names.get(user.region or "", user.region or "")
    others = [names.get(r, r) for r in _regions_of(resource) if r != user.region]
    other = "、".join(dict.fromkeys(others)) or "多个地区"
    if action == "read":
        return f"您是{own}的填报员，只能查看{own}和全市的数据，不能查看{other}的数据。"
    if action == "import":
        return (f"您是{own}的填报员，只能导入{own}的数据；这是{other}的数据，不能导入。"
                "请确认选对了文件；如需代报，请联系市工作专班。")
    if action == "withdraw":
        return f"您是{own}的填报员，只能撤回{own}的上传；这次上传含{other}的数据。"
    if action == "reply":
        return f"您是{own}的填报员，只能回复{own}的督办；这是{other}的督办。"
    return f"您的角色（{user.role_label}）不能{word}。"


def sees_upload(user: User | None, *, uploader: str, uploader_region: str | None, status: str,
                regions: Iterable[str], city: str | None) -> bool:
    """Whether ``user`` may see an upload in the upload history: its file name, uploader and status.

    The uploader always sees their own.  A refused attempt (``status == 'rejected'``) wrote no
    figures, so it is nobody else's county's business: a county reporter sees it only when made by
    a user of the same county (not when another county's reporter tried to upload this county's
    sheet -- that would name the other county's user and files).  Otherwise an upload is seen by
    whoever may read every region it touched (the region it was for, when it touched none)."""
    if user is None:
        return False
    if uploader == user.username:
        return True
    regions = _regions_of(regions)
    if status == "rejected" and user.role == "county":
        return uploader_region is not None and uploader_region == user.region
    return (bool(regions) or can(user, "edit_targets")) and allowed(user, "read", regions, city=city)


def readable(user: User | None, regions: Iterable[str], *, city: str | None) -> list[str]:
    """The region codes among ``regions`` that ``user`` may read, in the order given."""
    return [r for r in regions if allowed(user, "read", r, city=city)]


def writable(user: User | None, regions: Iterable[str]) -> list[str]:
    """The region codes among ``regions`` that ``user`` may import for, in the order given."""
    return [r for r in regions if allowed(user, "import", r)]
