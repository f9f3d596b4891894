"""Reading a user's CSV of runs into normalised columns, with messages that say what to fix.

Normalised runs have: run_name, n_params (N), n_tokens (D), compute_flops (C = 6ND when not
given), loss. The user maps their column names to these; tokens or compute may be given,
and the other is derived with C = 6ND.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_UPLOAD_BYTES = 20 * 1024 * 1024   # 20 MiB
MAX_ROWS = 200_000
MIN_ROWS = 6                          # the Chinchilla form has 5 parameters

# Column names recognised without mapping (lower-cased, stripped).
GUESSES = {
    "n_params": ("n_params", "params", "parameters", "n", "model size", "model_size", "num_params"),
    "n_tokens": ("n_tokens", "tokens", "d", "training tokens", "training_tokens", "num_tokens"),
    "compute_flops": ("compute_flops", "flops", "c", "compute", "training flop", "training flops",
                      "training_flops"),
    "loss": ("loss", "final_loss", "val_loss", "eval_loss", "train_loss"),
    "run_name": ("run_name", "name", "run", "id", "model"),
}


class IngestError(ValueError):
    """The upload cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Mapping:
    n_params: str
    loss: str
    n_tokens: str | None = None
    compute_flops: str | None = None
    run_name: str | None = None


def read_table(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Parse uploaded CSV bytes into a DataFrame of strings; raise IngestError with a fix."""
    if len(data) == 0:
        raise IngestError("The file is empty. Upload a CSV with a header row and one row per run.")
    if len(data) > max_bytes:
        raise IngestError(f"The file is {len(data) / 2**20:.1f} MiB; the limit is {max_bytes / 2**20:.0f} MiB. "
                          "Upload only the columns and runs you need.")
    if data[:4] == b"PAR1":
        return _read_parquet(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError("The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload again.") from None
    if "\x00" in text:
        raise IngestError("The file contains binary data (NUL bytes); upload a plain-text CSV.")
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                         nrows=MAX_ROWS + 1, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as e:
        raise IngestError(f"The file could not be read as CSV ({str(e).splitlines()[0][:200]}). "
                          "Check that every row has the same number of fields.") from None
    if len(df) > MAX_ROWS:
        raise IngestError(f"The file has more than {MAX_ROWS:,} rows; split it or keep the runs you need.")
    if df.shape[1] < 2:
        raise IngestError("Only one column was found. Use commas (or semicolons / tabs) between columns "
                          "and include at least parameters and loss.")
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=sep), [])
    except csv.Error as e:
        raise IngestError(f"The header row could not be read ({e}). Save the file as a plain CSV.") from None
    cols = [str(c).strip() for c in header]
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup or "" in cols or len(set(c.lower() for c in cols)) < len(cols) or len(cols) != df.shape[1]:
        raise IngestError("The header has duplicated or empty column names "
                          f"({', '.join(dup) or 'blank'}). Give every column a unique name.")
    df.columns = cols
    if len(df) == 0:
        raise IngestError("The file has a header but no runs.")
    return df


def _read_parquet(data: bytes) -> pd.DataFrame:
    """A Parquet upload, as strings like a CSV, so the same checks apply to both."""
    try:
        import pyarrow.parquet as pq
        table = pq.read_table(io.BytesIO(data))
    except Exception as e:  # pyarrow raises several types for a corrupt file
        raise IngestError(f"The file looks like Parquet but could not be read ({str(e).splitlines()[0][:150]}). "
                          "Export it again, or upload a CSV.") from None
    if table.num_rows > MAX_ROWS:
        raise IngestError(f"The file has more than {MAX_ROWS:,} rows; split it or keep the runs you need.")
    names = [str(c) for c in table.column_names]
    if len(set(n.lower() for n in names)) < len(names) or any(not n.strip() for n in names):
        raise IngestError("The Parquet file has duplicated or empty column names. Give every column a unique name.")
    if table.num_columns < 2:
        raise IngestError("Only one column was found; include at least parameters and loss.")
    if table.num_rows == 0:
        raise IngestError("The file has columns but no runs.")
    df = table.to_pandas()
    out = pd.DataFrame({c: df[c].map(lambda v: "" if v is None else str(v)) for c in df.columns})
    out.columns = names
    return out


def guess_mapping(columns) -> dict[str, str | None]:
    lower = {str(c).strip().lower(): c for c in columns}
    out: dict[str, str | None] = {}
    for target, names in GUESSES.items():
        out[target] = next((lower[n] for n in names if n in lower), None)
    return out


def _parse_numbers(raw: pd.Series) -> np.ndarray:
    """Numbers as uploads write them (underscores allowed as digit separators); NaN where not."""
    return pd.to_numeric(raw.str.replace("_", "", regex=False), errors="coerce").to_numpy(dtype=float)


def _numeric(df: pd.DataFrame, col: str, what: str) -> np.ndarray:
    raw = df[col].astype(str).str.strip()
    bad_formula = raw.str.match(r"^[=+@]").fillna(False) & ~raw.str.match(r"^\+?\d").fillna(False)
    if bad_formula.any():
        i = int(np.flatnonzero(bad_formula.values)[0])
        raise IngestError(f"Column '{col}' ({what}) row {i + 2} holds a formula ('{raw.iloc[i][:30]}'); "
                          "export values, not formulas.")
    vals = _parse_numbers(raw)
    bad = ~np.isfinite(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise IngestError(f"Column '{col}' ({what}) has {int(bad.sum())} non-numeric, empty, NaN or infinite "
                          f"values, first at row {i + 2} ('{raw.iloc[i][:30]}'). Fix or remove those rows.")
    nonpos = vals <= 0
    if nonpos.any():
        i = int(np.flatnonzero(nonpos)[0])
        raise IngestError(f"Column '{col}' ({what}) has {int(nonpos.sum())} zero or negative values, first at "
                          f"row {i + 2} ({vals[i]:g}). Scaling laws need positive values.")
    return vals


COMPUTE_UNITS = {"FLOPs": 1.0, "PF-days": 8.64e19}       # PF-day = 1e15 FLOP/s x 86,400 s
PARAM_CONVENTIONS = ("total", "non-embedding", "active (MoE)")


def normalise(df: pd.DataFrame, m: Mapping, min_rows: int = MIN_ROWS, compute_unit: str = "FLOPs") -> pd.DataFrame:
    """Mapped, validated runs: run_name, n_params, n_tokens, compute_flops (converted to FLOPs), loss."""
    if compute_unit not in COMPUTE_UNITS:
        raise IngestError(f"Unknown compute unit {compute_unit!r}; choose one of {', '.join(COMPUTE_UNITS)}.")
    for target, col in (("model parameters", m.n_params), ("loss", m.loss), ("training tokens", m.n_tokens),
                        ("training compute", m.compute_flops), ("run name", m.run_name)):
        if col is not None and col not in df.columns:
            raise IngestError(f"Column '{col}' chosen for {target} is not in the file; "
                              f"its columns are: {', '.join(map(str, df.columns))[:300]}.")
    if m.n_tokens is None and m.compute_flops is None:
        raise IngestError("Map either a training-tokens column or a training-compute (FLOPs) column.")
    if len(df) < min_rows:
        raise IngestError(f"The file has {len(df)} runs; fitting needs at least {min_rows} "
                          "(more runs than the law has parameters).")
    N = _numeric(df, m.n_params, "model parameters")
    loss = _numeric(df, m.loss, "loss")
    if m.n_tokens is not None:
        D = _numeric(df, m.n_tokens, "training tokens")
        C = (_numeric(df, m.compute_flops, "training compute") * COMPUTE_UNITS[compute_unit] if m.compute_flops
             else 6.0 * N * D)
    else:
        C = _numeric(df, m.compute_flops, "training compute") * COMPUTE_UNITS[compute_unit]
        D = C / (6.0 * N)
    if np.any(loss > 100):
        raise IngestError("Some losses exceed 100: the loss column should be cross-entropy in nats per token.")
    names = (df[m.run_name].astype(str).str.slice(0, 80) if m.run_name
             else pd.Series([f"run {i + 1}" for i in range(len(df))]))
    return pd.DataFrame({"run_name": names.to_numpy(), "n_params": N, "n_tokens": D, "compute_flops": C,
                         "loss": loss})


def numeric_table(df: pd.DataFrame) -> pd.DataFrame:
    """The columns whose every value is a finite number (others, such as run names, are left out)."""
    out = {}
    for col in df.columns:
        raw = df[col].astype(str).str.strip()
        if raw.str.match(r"^[=@]").any():
            continue
        vals = _parse_numbers(raw)
        if np.all(np.isfinite(vals)):
            out[str(col)] = vals
    return pd.DataFrame(out)


def import_csv(con, data: bytes, mapping: Mapping | None, name: str, note: str = "", compute_unit: str = "FLOPs",
               param_convention: str = "total"):
    """Parse, validate and store an uploaded CSV in one go. Raises IngestError (nothing stored)
    or returns the store's ImportResult.

    With a mapping (parameters, loss, tokens or compute), the standard runs are validated and
    stored; every numeric column is stored as well, so any law form can be fitted to them.
    Without one, only the numeric columns are stored (e.g. a loss curve: step, lr, loss)."""
    from .store import RUN_COLUMNS, import_runs
    df = read_table(data)
    table = numeric_table(df)
    if param_convention not in PARAM_CONVENTIONS:
        raise IngestError(f"Unknown parameter convention {param_convention!r}; choose one of "
                          f"{', '.join(PARAM_CONVENTIONS)}.")
    if mapping is not None:
        runs = normalise(df, mapping, compute_unit=compute_unit)
        cols = {k: v for k, v in mapping.__dict__.items() if v is not None}
        cols["units"] = {"compute_unit_in_file": compute_unit, "parameters": param_convention,
                         "stored_compute": "FLOPs"}
    else:
        if table.shape[1] < 2:
            raise IngestError("Fewer than two columns hold only numbers; check the delimiter and remove text "
                              "from numeric columns.")
        if len(table) < MIN_ROWS:
            raise IngestError(f"The file has {len(table)} rows; fitting needs at least {MIN_ROWS}.")
        runs = pd.DataFrame({c: pd.Series(dtype=float if c != "run_name" else str) for c in RUN_COLUMNS})
        cols = {}
    return import_runs(con, runs, name.strip() or "unnamed upload", note, source_columns=cols, table=table)
