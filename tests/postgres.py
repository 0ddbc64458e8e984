"""A throwaway PostgreSQL server on 127.0.0.1 for the tests, from Debian's packages.

scripts/test installs the `postgresql` package; this starts its own cluster in a
temporary folder (as the `postgres` user when run as root, since PostgreSQL
refuses to run as root), on a free port, and gives every test its own database.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.net import free_port

USER = "calmcalf"


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


# Durability is not what the tests are about: these keep them quick. Benchmarks run with
# PostgreSQL's defaults instead (durable=True), as a deployment does.
QUICK = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class PostgresServer:
    def __init__(self, binaries: Path, durable: bool = False):
        self.binaries = binaries
        self.settings = {} if durable else QUICK
        self.folder = Path(tempfile.mkdtemp(prefix="calmcalf-pg-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = None
        self.databases = 0

    def owner(self) -> dict:
        """Run as the postgres user when we are root (PostgreSQL will not run as root)."""
        options = {"cwd": self.folder}
        if os.geteuid() == 0:
            options.update(user="postgres", group="postgres", extra_groups=[])
        return options

    def start(self) -> PostgresServer:
        data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(
            [str(self.binaries / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            text=True,
            **self.owner(),
        )
        self.log = open(self.folder / "server.log", "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                str(self.binaries / "postgres"),
                "-D",
                str(data),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.folder),
                *(arg for name, value in self.settings.items() for arg in ("-c", f"{name}={value}")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            **self.owner(),
        )
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url("postgres", driver=False), connect_timeout=2).close()
                return self
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "PostgreSQL did not start: " + (self.folder / "server.log").read_text()
                    ) from None
                time.sleep(0.1)

    def url(self, database: str, driver: bool = True) -> str:
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg

        self.databases += 1
        name = f"test_{self.databases}"
        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.process:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: no waiting for idle connections
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
