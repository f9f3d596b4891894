"""Start and stop a throwaway PostgreSQL cluster (tests and the bench): initdb in a temporary folder,
listening on 127.0.0.1 only, trust authentication, run as the `postgres` user when we are root."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("pg_ctl")
    if exe:
        return Path(exe).resolve().parent
    raise PostgresUnavailable("pg_ctl not found (/usr/lib/postgresql/*/bin)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def throwaway_cluster(folder: Path | None = None):
    """A cluster in folder (default: a new temporary folder, removed after). Yields postgresql://postgres@127.0.0.1:<port>/postgres; stops the server and removes it after."""
    bindir = _bindir()
    own = folder is None
    folder = Path(tempfile.mkdtemp(prefix="scaling-explorer-pg-")) if own else Path(folder)
    as_user: list[str] = []
    if os.geteuid() == 0:           # PostgreSQL refuses to run as root
        if shutil.which("runuser") is None:
            raise PostgresUnavailable("running as root without runuser")
        as_user = ["runuser", "-u", "postgres", "--"]
        folder = Path(folder)
        os.chmod(folder, 0o755)          # a mkdtemp folder in /tmp: postgres must reach it
    data, sock = Path(folder) / "data", Path(folder) / "sock"
    data.mkdir()
    sock.mkdir()
    if as_user:
        shutil.chown(data, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    port = _free_port()
    log = Path(folder) / "server.log"
    log.touch()
    if as_user:
        shutil.chown(log, "postgres", "postgres")

    def run(*args):
        r = subprocess.run(as_user + list(args), capture_output=True, text=True, timeout=120)
        if r.returncode:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {(r.stderr or r.stdout)[-800:]}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start", "-o",
        f"-h 127.0.0.1 -p {port} -k {sock} -c fsync=off -c max_connections=200")
    try:
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise PostgresUnavailable("server did not listen: " + log.read_text()[-800:])
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        if own:
            shutil.rmtree(folder, ignore_errors=True)
