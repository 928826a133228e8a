"""A throwaway PostgreSQL cluster for tests, benchmarks and trying jxtrack on PostgreSQL.

Uses Debian's ``postgresql`` package (``initdb`` / ``pg_ctl`` under /usr/lib/postgresql/<v>/bin):
a new cluster in a temporary folder, on a free port of 127.0.0.1, trust authentication for local
connections only, ``fsync`` off (nothing here is meant to survive a crash of the machine).  When
running as root the cluster runs as the ``postgres`` user (PostgreSQL refuses to run as root).

    with Cluster.started() as pg:
        url = pg.create_database("jx")          # postgresql://postgres@127.0.0.1:<port>/jx

``python -m jxtrack.store.pgcluster`` starts one and prints its URL until interrupted.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


class ClusterUnavailable(RuntimeError):
    """PostgreSQL's server programs are not installed (or cannot run here)."""


def bin_dir() -> Path | None:
    """Folder of Debian's initdb/pg_ctl (newest version), or None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).parent if which else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.port = port
        self.data = folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    # ---- running programs (as postgres when root) ------------------------------------------------
    @staticmethod
    def _as_owner(cmd: list[str]) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *cmd]
        return cmd

    def _run(self, cmd: list[str]) -> None:
        res = subprocess.run(self._as_owner(cmd), capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise ClusterUnavailable(f"{' '.join(cmd[:2])} failed: {res.stderr.strip() or res.stdout.strip()}")

    @classmethod
    def start(cls, folder: Path | None = None) -> Cluster:
        bins = bin_dir()
        if bins is None:
            raise ClusterUnavailable("PostgreSQL is not installed (Debian package postgresql)")
        folder = Path(folder or tempfile.mkdtemp(prefix="jxtrack-pg-"))
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
            folder.chmod(0o700)
        c = cls(folder, _free_port())
        c._run([str(bins / "initdb"), "-D", str(c.data), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8"])
        options = (f"-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
                   f"-c listen_addresses=127.0.0.1 -c port={c.port} -c unix_socket_directories={folder}")
        c._run([str(bins / "pg_ctl"), "-D", str(c.data), "-l", str(folder / "server.log"), "-o", options,
                "-w", "-t", "60", "start"])
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(c.url(), connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return c

    def stop(self) -> None:
        bins = bin_dir()
        if bins is not None and self.data.exists():
            subprocess.run(self._as_owner([str(bins / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)

    @classmethod
    @contextmanager
    def started(cls, folder: Path | None = None) -> Iterator[Cluster]:
        c = cls.start(folder)
        try:
            yield c
        finally:
            c.stop()

    # ---- databases -------------------------------------------------------------------------------
    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given); returns its URL."""
        with psycopg.connect(self.url(), autocommit=True) as con:
            sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            con.execute(sql)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":  # pragma: no cover - a convenience for people
    with Cluster.started() as pg:
        print(pg.create_database("jxtrack"), flush=True)
        print("Ctrl-C 结束并删除该临时数据库集群。", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
