"""Opening the database for one command, as its table entry says (``jxtrack.cli.commands``).

Light at import (the store is imported when the database is first opened): ``run`` hands every
handler one of these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jxtrack.domain.errors import UserError

if TYPE_CHECKING:
    from jxtrack.store.interface import Store

MODES = ("read", "write", "none")


class Database:
    """``db()`` opens the database once: ``"read"`` refuses one at an older schema version instead
    of upgrading it (a command that only reads never changes the database), ``"write"`` upgrades
    it first, ``"none"`` gives the bare ``Store`` (the handler creates or checks it itself)."""

    def __init__(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown database mode {mode!r}")
        self.mode = mode
        self._store: Store | None = None

    def __call__(self) -> Store:
        if self._store is None:
            self._store = self._open()
        return self._store

    def bare(self) -> Store:
        """The store neither checked nor opened: to name it, or log beside it, when opening failed."""
        from jxtrack.store.interface import Store

        return self._store or Store()

    def _open(self) -> Store:
        from jxtrack.store.interface import Store

        store = Store()
        if self.mode == "none":
            return store
        if not store.exists():
            raise UserError(f"数据库 {store.label} 不存在。请先运行 `jxtrack init`（或 `jxtrack init --demo` 载入示例数据）。")
        if self.mode == "write":
            store.migrate()
            return store
        version, needed = store.schema_version(), schema_version()
        if version < needed:
            raise UserError(
                f"数据库 {store.label} 是旧版本（架构版本 {version}，本程序需要 {needed}），本命令只读取数据，"
                "不会自动升级它，未做任何改动。请先运行 `jxtrack init` 升级数据库（保留全部数据），然后重试。")
        return store


def schema_version() -> int:
    """The schema version this program reads and writes (its newest migration)."""
    from jxtrack.store.migrations import MIGRATIONS

    return max(v for v, _, _ in MIGRATIONS)
