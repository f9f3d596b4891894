"""A registry of public run datasets: fetch one, verify its sha256, cache it, import it.

`python -m scaling_explorer.registry list` and `python -m scaling_explorer.registry fetch ID [--mirror URL]`. The mirror
is a base URL laid out like the registry's `path` fields; without one the dataset's own URL is
used. Offline, or on a checksum mismatch, nothing is cached or imported and the message says so.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from . import ingest, store

MAX_DOWNLOAD_BYTES = ingest.MAX_UPLOAD_BYTES
REGISTRY_FILE = store.DATA_DIR / "datasets.toml"


class RegistryError(RuntimeError):
    """The dataset could not be fetched or verified; the message says why, and that nothing changed."""


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    description: str
    url: str
    path: str
    format: str
    sha256: str
    licence: str
    source: str
    units: str
    mapping: dict = field(default_factory=dict)
    drop_incomplete: bool = False
    # Optional steps between the verified download and the import (all plain-text parsing):
    # extract = "ipynb-output:CELL" reads the whitespace-separated table printed in that cell's
    #   stored output of a Jupyter notebook (JSON; the notebook is never executed), with the
    #   header ``columns``; the sha256 is the notebook's.
    # scale = {column = factor}: multiply a column (e.g. billions -> counts).
    # complement = {new column = column}: new = 1 - column (e.g. an accuracy's error rate).
    extract: str = ""
    columns: tuple = ()
    scale: dict = field(default_factory=dict)
    complement: dict = field(default_factory=dict)


def load_registry(path: Path = REGISTRY_FILE) -> dict[str, Entry]:
    with open(path, "rb") as f:
        rows = tomllib.load(f)["dataset"]
    out = {}
    for r in rows:
        if "columns" in r:
            r = r | {"columns": tuple(r["columns"])}
        e = Entry(**r)
        if e.format != "csv":
            raise ValueError(f"dataset {e.id}: only plain CSV is fetched (never pickles)")
        if len(e.sha256) != 64:
            raise ValueError(f"dataset {e.id}: sha256 must be 64 hex digits")
        out[e.id] = e
    return out


def cache_dir() -> Path:
    d = store.var_dir() / "cache"
    d.mkdir(parents=True, exist_ok=True)
    return d


def fetch(entry: Entry, mirror: str | None = None, timeout: float = 20.0) -> bytes:
    """The dataset's bytes, from the cache or the network, verified against its sha256."""
    cached = cache_dir() / f"{entry.sha256}.{entry.format}"
    if cached.exists():
        data = cached.read_bytes()
        if hashlib.sha256(data).hexdigest() == entry.sha256:
            return data
        cached.unlink()                      # a damaged cache entry is dropped, then fetched again
    url = f"{mirror.rstrip('/')}/{entry.path}" if mirror else entry.url
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            data = r.read(MAX_DOWNLOAD_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise RegistryError(f"Could not download {entry.id} from {url} ({e}). This machine may be offline; "
                            "nothing was cached or imported, and the store is unchanged.") from None
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise RegistryError(f"{entry.id} is larger than {MAX_DOWNLOAD_BYTES // 2**20} MiB; nothing was imported.")
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise RegistryError(f"Checksum mismatch for {entry.id}: expected {entry.sha256[:16]}…, got {digest[:16]}…. "
                            "The file was not cached or imported; the store is unchanged.")
    tmp = cached.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, cached)
    return data


def _extract_notebook_table(entry: Entry, data: bytes) -> bytes:
    kind, _, arg = entry.extract.partition(":")
    if kind != "ipynb-output" or not arg.isdigit() or not entry.columns:
        raise RegistryError(f"{entry.id}: unknown extract step {entry.extract!r}; nothing was imported.")
    try:
        nb = json.loads(data.decode("utf-8"))
        outputs = nb["cells"][int(arg)].get("outputs", [])
    except (ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
        raise RegistryError(f"{entry.id}: the notebook could not be read ({e}); nothing was imported.") from None
    text = "".join("".join(o.get("text", [])) for o in outputs if o.get("output_type") == "stream")
    rows = [line.split() for line in text.splitlines() if len(line.split()) == len(entry.columns)]
    if not rows:
        raise RegistryError(f"{entry.id}: no table with {len(entry.columns)} columns in cell {arg}; nothing was imported.")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(entry.columns)
    w.writerows(rows)
    return out.getvalue().encode()


def prepare(entry: Entry, data: bytes) -> bytes:
    """The verified download turned into the CSV that is imported (extract, scale, complement)."""
    if entry.extract:
        data = _extract_notebook_table(entry, data)
    if entry.scale or entry.complement:
        import pandas as pd
        df = pd.read_csv(io.BytesIO(data))
        for col, factor in entry.scale.items():
            df[col] = pd.to_numeric(df[col], errors="coerce") * float(factor)
        for new, col in entry.complement.items():
            df[new] = 1.0 - pd.to_numeric(df[col], errors="coerce")
        data = df.to_csv(index=False).encode()
    return data


def fetch_and_import(entry: Entry, con, mirror: str | None = None) -> store.ImportResult:
    data = prepare(entry, fetch(entry, mirror))
    if entry.drop_incomplete:
        import pandas as pd
        df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        need = [c for c in entry.mapping.values()]
        df = df[(df[need].apply(lambda col: col.str.strip() != "")).all(axis=1)]
        data = df.to_csv(index=False).encode()
    mapping = ingest.Mapping(**entry.mapping)
    return ingest.import_csv(con, data, mapping, entry.name, note=f"registry:{entry.id} sha256:{entry.sha256}")


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(prog="python -m scaling_explorer.registry")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    f = sub.add_parser("fetch")
    f.add_argument("id")
    f.add_argument("--mirror", default=os.environ.get("SCALING_EXPLORER_MIRROR"))
    args = ap.parse_args(argv)
    reg = load_registry()
    if args.cmd == "list":
        for e in reg.values():
            print(f"{e.id:30s} {e.name}\n{'':30s} {e.licence}")
        return 0
    if args.id not in reg:
        print(f"unknown dataset {args.id!r}; known: {', '.join(reg)}")
        return 2
    try:
        with store.connect_user() as con:
            res = fetch_and_import(reg[args.id], con, args.mirror)
    except (RegistryError, ingest.IngestError) as e:
        print(f"error: {e}")
        return 1
    print(f"{'imported' if res.created else 'already stored as'} dataset {res.dataset_id} ({res.n_rows} runs); "
          f"open /fit?ds={res.dataset_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
