"""Reading a user's CSV of runs into normalised columns, with messages that say what to fix.

Normalised runs have: run_name, n_params (N), n_tokens (D), compute_flops (C = 6ND when not
given), loss. The user maps their column names to these; tokens or compute may be given,
and the other is derived with C = 6ND.
"""
from __future__ import annotations

import csv
import io
import math
import re
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


_SEPS = (",", ";", "\t", "|")
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_DEC_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+([eE][+-]?\d+)?$")   # 3,5  1.000,5  -0,25e3
_PLAIN_INT = re.compile(r"^[+-]?\d+([eE][+-]?\d+)?$")
_MD_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")         # |---|:--:| under a Markdown header


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def read_table(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Parse uploaded CSV bytes into a DataFrame of strings; raise IngestError with a fix.

    Spreadsheet quirks are handled and recorded in plain words in ``read_notes(df)``: a UTF-8
    byte-order mark; an Excel ``sep=;`` first line; comment lines (starting with '#') above the
    header, and below it when they do not have the header's number of fields; blank lines and
    rows of empty fields (``,,,``); trailing columns with no name and no values (``,,,`` after
    the last column); decimal commas (``3,5``) in a semicolon-, tab- or bar-separated file. A row
    with more fields than the header is refused with the line number and what to change.

    The index holds data-row positions (0, 1, ...); ``file_row(df, label)`` is the row number
    the user sees in the file (its line number, header = the line above the first row)."""
    if len(data) == 0:
        raise IngestError("The file is empty. Upload a CSV with a header row and one row per run.")
    if len(data) > max_bytes:
        raise IngestError(f"The file is {len(data) / 2**20:.1f} MiB; the limit is {max_bytes / 2**20:.0f} MiB. "
                          "Upload only the columns and runs you need.")
    if data[:4] == b"PAR1":
        return _read_parquet(data)
    notes: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError("The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload again.") from None
    if data[:3] == b"\xef\xbb\xbf":
        notes.append("Ignored the byte-order mark (BOM) at the start of the file.")
    if "\x00" in text:
        raise IngestError("The file contains binary data (NUL bytes); upload a plain-text CSV.")
    lines = text.splitlines()
    # the header: the first line that is neither blank nor a comment (after an Excel "sep=" line)
    sep = None
    i = 0
    n_comments = n_blank = 0
    while i < len(lines):
        ln = lines[i]
        if not ln.strip() or (ln.strip(" ,;\t|") == ""):
            n_blank += 1
        elif _is_comment(ln):
            n_comments += 1
        elif sep is None and re.fullmatch(r"\s*sep=(.)\s*", ln) and ln.strip()[4:] in _SEPS:
            sep = ln.strip()[4:]
            notes.append(f"Read the Excel 'sep={sep}' line {i + 1} as the separator.")
        else:
            break
        i += 1
    if i >= len(lines):
        raise IngestError("The file has no header row: only blank or comment lines. Upload a CSV with a header "
                          "row (e.g. name,params,tokens,loss) and one row per run.")
    if n_comments:
        notes.append(f"Skipped {n_comments} comment line{'s' if n_comments > 1 else ''} above the header.")
    header_line = i + 1                               # 1-based line number in the file
    if sep is None:
        counts = {c: lines[i].count(c) for c in _SEPS}
        best = max(counts.values())
        if best == 0:
            sep = ","
        elif list(counts.values()).count(best) == 1:
            sep = max(counts, key=counts.get)
        else:
            try:
                sep = csv.Sniffer().sniff("\n".join(lines[i:i + 50]), delimiters="".join(_SEPS)).delimiter
            except csv.Error:
                sep = next(c for c in _SEPS if counts[c] == best)
    n_rules = 0
    if sep == "|" and lines[i].strip().startswith("|") and lines[i].strip().endswith("|"):   # a Markdown table
        lines = list(lines)
        for j in range(i, len(lines)):
            t = lines[j].strip()
            if j > i and _MD_RULE.fullmatch(t):
                lines[j] = ""                      # the |---| line: skipped as blank, not counted as one
                n_rules += 1
            elif len(t) > 1 and t.startswith("|") and t.endswith("|"):
                lines[j] = t[1:-1]
        notes.append("Read a Markdown table: dropped the bars at both ends of each line and the |---| line.")
    body = "\n".join(lines[i:])
    try:
        reader = csv.reader(io.StringIO(body, newline=""), delimiter=sep, skipinitialspace=True)
        header = next(reader, [])
        cols = [str(c).strip() for c in header]
        while cols and cols[-1] == "":
            cols.pop()                             # trailing empty columns: checked against the rows below
        n_trailing = len(header) - len(cols)
        if len(cols) < 2:
            raise IngestError("Only one column was found. Use commas (or semicolons / tabs) between columns "
                              "and include at least parameters and loss.")
        ncol = len(cols)
        rows: list[list[str]] = []
        file_rows: list[int] = []
        skipped_comments = skipped_blank = 0
        prev = reader.line_num
        for row in reader:
            line_no = header_line + prev          # the physical line the row starts on
            prev = reader.line_num
            if not row or all(not v.strip() for v in row):
                skipped_blank += 1
                continue
            if len(row) > ncol:
                extra = row[ncol:]
                if all(not v.strip() for v in extra):
                    row = row[:ncol]
                elif _is_comment(row[0]):
                    skipped_comments += 1
                    continue
                else:
                    if n_trailing and len(row) <= len(header):
                        k = ncol + next(j for j, v in enumerate(extra) if v.strip()) + 1
                        raise IngestError(f"Column {k} has values (line {line_no}: '{extra[k - ncol - 1][:30]}') "
                                          f"but no name in the header (line {header_line}). Name it, or remove "
                                          "that column.")
                    hint = (" (A number written with a decimal comma, 3,5, counts as two fields: use decimal "
                            "points, or semicolons between columns.)" if sep == "," else "")
                    raise IngestError(
                        f"Line {line_no} has {len(row)} fields but the header (line {header_line}) has {ncol}. "
                        f"Remove the extra {_SEP_NAMES[sep]}{'s' if len(row) - ncol > 1 else ''} in line {line_no}, "
                        f"or put quotes around a value that contains a {_SEP_NAMES[sep]}.{hint}")
            elif _is_comment(row[0]) and len(row) < ncol:
                skipped_comments += 1
                continue
            if len(row) < ncol:
                row = row + [""] * (ncol - len(row))
            rows.append([v.strip() for v in row])
            file_rows.append(line_no)
            if len(rows) > MAX_ROWS:
                raise IngestError(f"The file has more than {MAX_ROWS:,} rows; split it or keep the runs you need.")
    except csv.Error as e:
        raise IngestError(f"Line {header_line + reader.line_num} could not be read ({str(e)[:120]}). Save the "
                          "file again as a plain CSV (quotes around values that contain separators or line "
                          "breaks).") from None
    dup = sorted({c for c in cols if [x.lower() for x in cols].count(c.lower()) > 1})
    if dup or "" in cols:
        raise IngestError("The header has duplicated or empty column names "
                          f"({', '.join(dup) or 'blank'}). Give every column a unique name.")
    if n_trailing:
        notes.append(f"Dropped {n_trailing} empty column{'s' if n_trailing > 1 else ''} after the last named column.")
    skipped_blank -= n_rules
    if skipped_blank + n_blank:
        notes.append(f"Skipped {skipped_blank + n_blank} blank line{'s' if skipped_blank + n_blank > 1 else ''}.")
    if skipped_comments:
        notes.append(f"Skipped {skipped_comments} comment line{'s' if skipped_comments > 1 else ''} below the header.")
    if not rows:
        raise IngestError("The file has a header but no runs.")
    df = pd.DataFrame(rows, columns=cols, dtype=object)
    if sep != ",":
        for c in cols:
            vals = [v for v in df[c] if v]
            if any(_DEC_COMMA.match(v) for v in vals) and all(_DEC_COMMA.match(v) or _PLAIN_INT.match(v) for v in vals):
                df[c] = [v.replace(".", "").replace(",", ".") if _DEC_COMMA.match(v) else v for v in df[c]]
                notes.append(f"Read decimal commas in column '{c}' as decimal points (3,5 = 3.5).")
    df = df.astype(str)
    df.attrs["read_notes"] = notes
    df.attrs["file_rows"] = np.asarray(file_rows, dtype=np.int64)
    return df


def read_notes(df: pd.DataFrame) -> list[str]:
    """What read_table handled silently (BOM, comment and blank lines, empty trailing columns,
    decimal commas), in plain words, for the page to show under the preview."""
    return list(df.attrs.get("read_notes", []))


def file_row(df: pd.DataFrame, label) -> int:
    """The row number the user sees in their file for a data row (by index label): its line number
    in a CSV (header on line 1 -> first run on line 2); label + 2 when the frame did not come from
    read_table."""
    rows = df.attrs.get("file_rows")
    try:
        k = int(label)
    except (TypeError, ValueError):
        return -1
    if rows is not None and 0 <= k < len(rows):
        return int(rows[k])
    return k + 2


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
    out.attrs["read_notes"] = []
    out.attrs["file_rows"] = np.arange(2, len(out) + 2, dtype=np.int64)
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
        raise IngestError(f"Column '{col}' ({what}) row {file_row(df, df.index[i])} holds a formula "
                          f"('{raw.iloc[i][:30]}'); "
                          "export values, not formulas.")
    vals = _parse_numbers(raw)
    bad = ~np.isfinite(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise IngestError(f"Column '{col}' ({what}) has {int(bad.sum())} non-numeric, empty, NaN or infinite "
                          f"values, first at row {file_row(df, df.index[i])} ('{raw.iloc[i][:30]}'). Fix or remove "
                          "those rows.")
    nonpos = vals <= 0
    if nonpos.any():
        i = int(np.flatnonzero(nonpos)[0])
        raise IngestError(f"Column '{col}' ({what}) has {int(nonpos.sum())} zero or negative values, first at "
                          f"row {file_row(df, df.index[i])} ({vals[i]:g}). Scaling laws need positive values.")
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


# ---- the upload check: what a careful colleague would ask before the runs are stored ---------

SEVERITIES = ("error", "warning", "info")
# Plausible ranges for language-model runs (outside them a value is questioned, not refused, unless
# it cannot be a run: see check_runs).
LOSS_MAX_NATS = 15.0              # cross-entropy per token; a uniform guess over 1M tokens is 13.8
TPP_RANGE = (0.1, 1e5)            # training tokens per parameter
N_RANGE = (1e3, 1e14)             # parameters
D_RANGE = (1e3, 1e16)             # training tokens
RATIO_6ND = 3.0                   # compute within this factor of 6ND is "about 6ND"
OUTLIER_MIN_RUNS = 8
# Compute units a file might hold, FLOPs per unit (only the first two are offered by the import form).
UNIT_GUESSES = {"FLOPs": 1.0, "PF-days": 8.64e19, "GFLOPs": 1e9, "TFLOPs": 1e12, "PFLOPs": 1e15,
                "EFLOPs": 1e18, "ZFLOPs": 1e21}
_SUFFIX = re.compile(r"^(?:[~≈]\s*)?([+-]?\d+(?:\.\d+)?)\s*([kKmMbBtT])(?:n|N)?$")     # 7B, 1.3 bn, ~350M
_SUFFIX_MULT = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:(,)\d{3}|( )\d{3}|(')\d{3}|(\u202f)\d{3}|(\u00a0)\d{3})+(?:\.\d+)?$"
                        r"|^[+-]?\d{1,3}(?:\.\d{3}){2,}$")
_PERCENT = re.compile(r"^[+-]?\d+(?:\.\d+)?\s*%$")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T].*)?$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$"
                   r"|^\d{1,2}-[A-Za-z]{3}(-\d{2,4})?$|^[A-Za-z]{3}-\d{2,4}$")
_EXCEL_ERR = re.compile(r"^#(DIV/0!|N/A|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)$", re.I)
_FIX_ORDER = ("decimal_comma", "strip_thousands", "expand_suffixes", "strip_percent", "drop_rows", "scale", "log",
              "swap", "drop_duplicates")
FIX_KINDS = _FIX_ORDER


@dataclass(frozen=True)
class Fix:
    """A correction a finding proposes, accepted with one click; pure data, applied by apply_fixes.

    kind (FIX_KINDS): "drop_rows" / "drop_duplicates" (rows = index labels to drop), "scale"
    (column *= factor: PF-days -> FLOPs, bits -> nats, percent -> fraction, sign of a
    log-likelihood), "log" (column = ln(column): perplexity -> loss), "swap" (exchange the values
    of column and other), "expand_suffixes" (7B -> 7e9), "strip_thousands" (1,000,000 -> 1000000),
    "decimal_comma" (3,5 -> 3.5), "strip_percent" (350% -> 3.5). id is unique within one
    check_runs result and the same for the same file and mapping, so a page can key a checkbox
    or button on it."""
    id: str
    label: str
    kind: str
    column: str | None = None
    other: str | None = None
    rows: tuple = ()
    factor: float = 1.0

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "kind": self.kind, "column": self.column, "other": self.other,
                "rows": [int(r) for r in self.rows], "factor": self.factor}

    @classmethod
    def from_dict(cls, d: dict) -> "Fix":
        return cls(id=str(d["id"]), label=str(d.get("label", d["id"])), kind=str(d["kind"]), column=d.get("column"),
                   other=d.get("other"), rows=tuple(int(r) for r in d.get("rows", ())),
                   factor=float(d.get("factor", 1.0)))


@dataclass(frozen=True)
class Finding:
    """One thing the upload check noticed.

    severity: "error" (the runs cannot be stored as they are), "warning" (stored if the user goes
    on, but worth a look), "info". message: plain words naming the rows (numbers as in the file)
    and columns. rows: those row numbers; columns: the file's column names; fixes: the
    corrections on offer (possibly none; the first is the recommended one)."""
    severity: str
    code: str
    message: str
    rows: tuple = ()
    columns: tuple = ()
    fixes: tuple = ()

    @property
    def fix(self) -> Fix | None:
        return self.fixes[0] if self.fixes else None


class UploadRejected(IngestError):
    """import_csv refused to store an upload: error-level findings remain. .findings holds them all."""

    def __init__(self, findings: list[Finding]):
        self.findings = list(findings)
        errors = [f for f in findings if f.severity == "error"]
        offer = any(f.fixes for f in errors)
        super().__init__("Not stored: " + " ".join(f.message for f in errors)
                         + (" Accept the proposed fix (or correct the file) and import again." if offer else
                            " Correct the file and import again."))


def _rows_text(rows, limit: int = 6) -> str:
    rows = [int(r) for r in rows]
    if len(rows) == 1:
        return f"row {rows[0]}"
    if len(rows) <= limit:
        return "rows " + ", ".join(map(str, rows[:-1])) + f" and {rows[-1]}"
    return "rows " + ", ".join(map(str, rows[:limit])) + f" and {len(rows) - limit} more"


def _g(x: float) -> str:
    from .units import fmt_sci
    return fmt_sci(float(x), 3)


def _span(v: np.ndarray) -> str:
    return f"{_g(np.min(v))}–{_g(np.max(v))}" if len(v) else "—"


def _num(v: str) -> float:
    try:
        return float(v.replace("_", ""))
    except ValueError:
        return math.nan


def _fmt_val(x: float) -> str:
    return repr(float(f"{x:.15g}"))


def apply_fixes(df: pd.DataFrame, fixes) -> pd.DataFrame:
    """A copy of a read_table frame with the accepted fixes applied (Fix objects or their
    as_dict() forms), in a fixed order whatever the order given: cell repairs (decimal commas,
    thousands separators, unit suffixes, percent signs), then dropped rows, then unit conversions
    (scale, log, swap), then duplicates. Index labels (and so the file row numbers) are kept;
    rows or columns a fix names that are no longer there are ignored. Values a fix rewrites are
    written as plain numbers ('8.64e+19'); cells it cannot read are left as they were."""
    fixes = [f if isinstance(f, Fix) else Fix.from_dict(f) for f in fixes]
    for f in fixes:
        if f.kind not in FIX_KINDS:
            raise IngestError(f"Unknown fix {f.kind!r}.")
    out = df.copy()
    attrs = dict(df.attrs)
    seen = set()
    for f in sorted(fixes, key=lambda f: _FIX_ORDER.index(f.kind)):
        if f.id in seen:
            continue
        seen.add(f.id)
        if f.kind in ("drop_rows", "drop_duplicates"):
            out = out.drop(index=[r for r in f.rows if r in out.index])
            continue
        if f.column not in out.columns or (f.kind == "swap" and f.other not in out.columns):
            continue
        col = out[f.column].astype(str)
        if f.kind == "swap":
            out[f.column], out[f.other] = out[f.other].to_numpy(), col.to_numpy()
            continue

        def cell(v: str, f=f) -> str:
            v = v.strip()
            if f.kind == "decimal_comma":
                return v.replace(".", "").replace(",", ".") if _DEC_COMMA.match(v) else v
            if f.kind == "strip_thousands":
                m = _THOUSANDS.match(v)
                return re.sub(r"[,' \u202f\u00a0]", "", v) if m and m.group(0).count(".") < 2 else (
                    v.replace(".", "") if m else v)
            if f.kind == "expand_suffixes":
                m = _SUFFIX.match(v)
                return _fmt_val(float(m.group(1)) * _SUFFIX_MULT[m.group(2).lower()]) if m else v
            if f.kind == "strip_percent":
                return _fmt_val(float(v.rstrip("% ")) / 100) if _PERCENT.match(v) else v
            x = _num(v)
            if not math.isfinite(x):
                return v
            if f.kind == "scale":
                return _fmt_val(x * f.factor)
            if f.kind == "log":
                return _fmt_val(math.log(x)) if x > 0 else v
            return v
        out[f.column] = [cell(v) for v in col]
    out.attrs.update(attrs)
    out.attrs["fixes_applied"] = list(attrs.get("fixes_applied", [])) + [f.label for f in fixes]
    return out


def _parse_column(df: pd.DataFrame, col: str, what: str, is_loss: bool, skip: np.ndarray,
                  findings: list[Finding]) -> np.ndarray:
    """Numbers of one mapped column (NaN where a cell is not a plain number); a finding for each
    kind of unreadable cell, with the repair on offer."""
    raw = df[col].astype(str).str.strip().to_numpy()
    vals = np.array([_num(v) for v in raw], dtype=float)
    n = len(raw)
    rows_of = lambda mask: tuple(file_row(df, df.index[i]) for i in np.flatnonzero(mask))
    labels_of = lambda mask: tuple(int(df.index[i]) for i in np.flatnonzero(mask))
    bad = ~np.isfinite(vals) & ~skip
    if not bad.any():
        return vals
    cats = {k: np.zeros(n, bool) for k in ("formula", "excel", "date", "suffix", "thousands", "decimal_comma",
                                            "percent", "empty", "nan", "text")}
    for i in np.flatnonzero(bad):
        v = raw[i]
        if not v:
            cats["empty"][i] = True
        elif re.match(r"^[=@]", v) or (re.match(r"^[+-]", v) and re.search(r"[A-Za-z(|!]", v)
                                        and not re.match(r"^[+-]?(inf|nan|infinity)$", v, re.I)):
            cats["formula"][i] = True
        elif _EXCEL_ERR.match(v):
            cats["excel"][i] = True
        elif _SUFFIX.match(v):
            cats["suffix"][i] = True
        elif _THOUSANDS.match(v) and not (is_loss and _DEC_COMMA.match(v)):
            cats["thousands"][i] = True
        elif _DEC_COMMA.match(v):
            cats["decimal_comma"][i] = True
        elif _PERCENT.match(v):
            cats["percent"][i] = True
        elif _DATE.match(v):
            cats["date"][i] = True
        elif re.fullmatch(r"[+-]?(nan|inf|infinity)", v, re.I) or math.isinf(_num(v)):
            cats["nan"][i] = True
        else:
            cats["text"][i] = True
    ex = lambda mask: ", ".join(f"'{raw[i][:20]}'" for i in np.flatnonzero(mask)[:3])
    head = f"Column '{col}' ({what})"
    few = lambda mask: mask.sum() <= max(1, n // 4)
    if cats["formula"].any():
        m = cats["formula"]
        findings.append(Finding("error", f"formula:{col}", f"{head} holds formulas in {_rows_text(rows_of(m))} "
                                f"({ex(m)}). Export values, not formulas (in the spreadsheet: copy, paste values).",
                                rows_of(m), (col,)))
    if cats["excel"].any():
        m = cats["excel"]
        fx = (Fix(f"drop_rows:excel:{col}", f"Drop {_rows_text(rows_of(m))}", "drop_rows", rows=labels_of(m)),) \
            if few(m) else ()
        findings.append(Finding("error", f"excel_error:{col}", f"{head} holds spreadsheet error values in "
                                f"{_rows_text(rows_of(m))} ({ex(m)}): the formula behind them failed. Fix those "
                                "cells or drop the rows.", rows_of(m), (col,), fx))
    if cats["date"].any():
        m = cats["date"]
        findings.append(Finding("error", f"date:{col}", f"{head} holds dates in {_rows_text(rows_of(m))} ({ex(m)}): "
                                "the spreadsheet formatted these numbers as dates. Format the column as Number "
                                "(or Scientific) and export again.", rows_of(m), (col,)))
    for cat, code, why, kind, label in (
            ("suffix", "suffixes", "numbers with unit letters (7B, 1.4T)", "expand_suffixes",
             "Read k, M, B, T as thousand, million, billion, trillion"),
            ("thousands", "thousands", "thousands separators", "strip_thousands", "Remove the thousands separators"),
            ("decimal_comma", "decimal_comma", "decimal commas", "decimal_comma", "Read decimal commas as points"),
            ("percent", "percent", "percent signs", "strip_percent", "Read 350% as 3.5 (divide by 100)")):
        m = cats[cat]
        if m.any():
            findings.append(Finding("error", f"{code}:{col}", f"{head} writes {why} in {_rows_text(rows_of(m))} "
                                    f"({ex(m)}); the importer reads plain numbers only.", rows_of(m), (col,),
                                    (Fix(f"{kind}:{col}", f"{label} in '{col}'", kind, column=col),)))
    for cat, why in (("empty", "empty cells"), ("nan", "NaN or infinite values"), ("text", "text, not numbers")):
        m = cats[cat]
        if m.any():
            fx = (Fix(f"drop_rows:{cat}:{col}", f"Drop {_rows_text(rows_of(m))}", "drop_rows",
                      rows=labels_of(m)),) if few(m) else ()
            findings.append(Finding("error", f"{cat}:{col}", f"{head} has {why} in {_rows_text(rows_of(m))}"
                                    + (f" ({ex(m)})" if cat != "empty" else "") + ". Fill them in or drop the rows.",
                                    rows_of(m), (col,), fx))
    return vals


def _robust_fit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Coefficients of a bisquare-weighted least-squares fit of y on X, and the robust scale of
    its residuals (1.4826 MAD)."""
    w = np.ones(len(y))
    beta = np.zeros(X.shape[1])
    for _ in range(15):
        sw = np.sqrt(w)
        beta = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
        r = y - X @ beta
        s = 1.4826 * float(np.median(np.abs(r - np.median(r)))) + 1e-12
        u = r / (4.685 * s)
        w_new = np.where(np.abs(u) < 1, (1 - u ** 2) ** 2, 0.0)
        if w_new.sum() < X.shape[1] + 1:
            break
        w = w_new
    r = y - X @ beta
    return beta, 1.4826 * float(np.median(np.abs(r - np.median(r))))


def _trend_residuals(N: np.ndarray, D: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Each run's loss relative to the trend of the others, (L - trend) / trend. The trend is the
    Chinchilla form L = E + A/N^a + B/D^b with a, b from a small grid, fitted robustly (linear
    in E, A, B for fixed a, b); the grid point with the smallest robust scale wins."""
    n_ref, d_ref = np.median(N), np.median(D)
    pick = np.arange(len(L))
    if len(L) > 4000:                                   # choose the exponents on a sample
        pick = np.random.default_rng(0).choice(len(L), 4000, replace=False)
    best = None
    for a in (0.05, 0.1, 0.2, 0.3, 0.45, 0.6):
        for b in (0.05, 0.1, 0.2, 0.3, 0.45, 0.6):
            X = np.column_stack([np.ones(len(L)), (N / n_ref) ** -a, (D / d_ref) ** -b])
            beta, s = _robust_fit(X[pick], L[pick])
            if best is None or s < best[0]:
                best = (s, X, beta)
    _, X, beta = best
    pred = X @ beta
    return (L - pred) / np.where(pred > 0, pred, np.nan)


def check_runs(df: pd.DataFrame, mapping: Mapping, compute_unit: str = "FLOPs",
               param_convention: str = "total", min_rows: int = MIN_ROWS) -> list[Finding]:
    """Everything questionable about an upload mapped to runs, before anything is stored.

    df is read_table's frame (strings), possibly after apply_fixes; nothing is changed. Returns
    findings, errors first. Errors: a mapped column missing; unreadable cells (formulas, dates,
    unit letters, thousands separators, decimal commas, percent signs, text, NaN: the repairable
    ones with a fix); zero or negative values; the header repeated mid-file; losses that cannot
    be nats per token (> 15, or a whole column of perplexities, percentages or negated
    log-likelihoods: fix on offer); compute in the wrong unit (compared with 6·N·D, or with
    tokens per parameter when tokens are derived: the unit that fits is proposed); tokens per
    parameter that say N and D are swapped; N or D outside any real run (rows named, drop
    offered); too few runs. Warnings: compute off 6·N·D without a unit that explains it; rows
    whose tokens per parameter are outside 0.1–1e5; exact duplicate runs (drop offered); rows
    far off the trend of the others (a robust fit of log loss on log N and log D; drop offered);
    a loss column named as bits. Info: same N and D with different losses; losses about ln 2
    times what Chinchilla's law predicts (bits?)."""
    with np.errstate(all="ignore"):
        return _check_runs(df, mapping, compute_unit, param_convention, min_rows)


def _check_runs(df, mapping, compute_unit, param_convention, min_rows) -> list[Finding]:
    """The body of check_runs (numpy warnings silenced)."""
    F: list[Finding] = []
    if compute_unit not in COMPUTE_UNITS:
        return [Finding("error", "compute_unit", f"Unknown compute unit {compute_unit!r}; choose one of "
                        f"{', '.join(COMPUTE_UNITS)}.")]
    what = {"n_params": "model parameters", "loss": "loss", "n_tokens": "training tokens",
            "compute_flops": "training compute", "run_name": "run name"}
    for t, w in what.items():
        col = getattr(mapping, t)
        if col is not None and col not in df.columns:
            looks_numeric = sum(math.isfinite(_num(str(c))) for c in df.columns) >= 2
            F.append(Finding("error", f"missing:{t}", f"Column '{col}' chosen for {w} is not in the file; its "
                             f"columns are: {', '.join(map(str, df.columns))[:300]}."
                             + (" The first row holds numbers, not column names: add a header row such as "
                                "name,params,tokens,loss." if looks_numeric else ""), columns=(col,)))
    if mapping.n_tokens is None and mapping.compute_flops is None:
        F.append(Finding("error", "missing:d_or_c", "Map either a training-tokens column or a training-compute "
                         "column."))
    if F:
        return F
    n = len(df)
    if n == 0:
        return [Finding("error", "no_rows", "No runs are left.")]
    labels = np.asarray(df.index)
    frow = np.array([file_row(df, lab) for lab in labels])
    rows_of = lambda mask: tuple(int(r) for r in frow[np.asarray(mask)])
    labels_of = lambda mask: tuple(int(x) for x in labels[np.asarray(mask)])

    def drop(code: str, mask, label_extra: str = "") -> tuple:
        return (Fix(f"drop_rows:{code}", f"Drop {_rows_text(rows_of(mask))}{label_extra}", "drop_rows",
                    rows=labels_of(mask)),)

    # the header pasted again mid-file (two exports concatenated)
    cols_l = [str(c).strip().lower() for c in df.columns]
    cells = df.astype(str).apply(lambda s: s.str.strip().str.lower())
    hdr = (cells.to_numpy() == np.array(cols_l)[None, :]).sum(axis=1) >= max(2, (len(cols_l) + 1) // 2)
    if hdr.any():
        F.append(Finding("error", "header_repeated", f"{_rows_text(rows_of(hdr)).capitalize()} repeat"
                         f"{'s' if hdr.sum() == 1 else ''} the header (were two files pasted together?).",
                         rows_of(hdr), (), drop("header", hdr)))
    mapped = [(t, getattr(mapping, t)) for t in ("n_params", "n_tokens", "compute_flops", "loss")
              if getattr(mapping, t) is not None]
    vals = {t: _parse_column(df, c, what[t], t == "loss", hdr, F) for t, c in mapped}
    ok = ~hdr
    for t, c in mapped:
        v = vals[t]
        ok &= np.isfinite(v)
    # zero or negative
    for t, c in mapped:
        v = vals[t]
        nonpos = np.isfinite(v) & (v <= 0) & ~hdr
        if not nonpos.any():
            continue
        ok &= ~nonpos
        if t == "loss" and nonpos.sum() == (np.isfinite(v) & ~hdr).sum() and (v[nonpos] < 0).all():
            F.append(Finding("error", "loss_negative", f"Every loss in '{c}' is negative (from {_g(v[nonpos].min())} "
                             f"to {_g(v[nonpos].max())}): "
                             "this looks like a log-likelihood. The loss is its negative (nats per token).",
                             rows_of(nonpos), (c,), (Fix("negate_loss", f"Negate '{c}' (log-likelihood → loss)",
                                                         "scale", column=c, factor=-1.0),)))
            continue
        ex = ", ".join(_g(x) for x in v[nonpos][:3])
        F.append(Finding("error", f"nonpositive:{t}", f"Column '{c}' ({what[t]}) is zero or negative in "
                         f"{_rows_text(rows_of(nonpos))} ({ex}); scaling laws need positive values. Correct or drop "
                         "them.", rows_of(nonpos), (c,),
                         drop(f"nonpositive:{t}", nonpos) if nonpos.sum() <= max(1, n // 4) else ()))
    L = vals["loss"]
    cL = mapping.loss
    loss_problem = False
    # the loss
    lv = ~hdr & np.isfinite(L) & (L > 0)      # the loss column on its own: other columns may not parse yet
    high = lv & (L > LOSS_MAX_NATS)
    if high.any() and high.sum() >= lv.sum() / 2:
        lo, hi = float(np.min(L[lv])), float(np.max(L[lv]))
        med = float(np.median(L[lv]))
        fixes = []
        if lo > 1 and math.log(hi) <= LOSS_MAX_NATS:
            fixes.append(Fix("log_of_perplexity", f"Take the natural log of '{cL}' (perplexity → loss)", "log",
                             column=cL))
        if lo / 100 > 0.3 and hi / 100 <= LOSS_MAX_NATS and med >= 100:
            fixes.append(Fix("percent_to_loss", f"Divide '{cL}' by 100 (loss written ×100)", "scale", column=cL,
                             factor=0.01))
        # a loss falls as models grow; a score (accuracy in percent) rises: then no transform makes it a loss
        Nv = vals.get("n_params", np.full(len(L), np.nan))
        both = lv & np.isfinite(Nv) & (Nv > 0)
        rho = (pd.Series(L[both]).rank().corr(pd.Series(Nv[both]).rank())
               if both.sum() >= 4 and np.ptp(Nv[both]) > 0 else math.nan)
        if rho > 0.7:
            fixes = []
        what_ = (f"besides, they rise with model size (rank correlation {rho:.2f}) as a score such as accuracy "
                 "does, where a loss falls. Map the loss column (nats per token) instead." if rho > 0.7 else
                 "they look like perplexities (ln gives "
                 f"{math.log(lo):.2f}–{math.log(hi):.2f})." if med < 100 and fixes else
                 "are they perplexities (take ln) or a loss written ×100 (divide by 100)?" if len(fixes) == 2 else
                 "is it perplexity, or another metric?")
        F.append(Finding("error", "loss_not_nats", f"Losses in '{cL}' are {_g(lo)}–{_g(hi)}, above the 0–"
                         f"{LOSS_MAX_NATS:g} nats per token a language model's cross-entropy takes: {what_}",
                         (), (cL,), tuple(fixes)))
        loss_problem = True
    elif high.any():
        F.append(Finding("error", "loss_rows", f"{_rows_text(rows_of(high)).capitalize()}: loss "
                         f"{', '.join(_g(x) for x in L[high][:3])}, above the 0–{LOSS_MAX_NATS:g} nats per token "
                         f"a cross-entropy takes (the other runs are {_span(L[lv & ~high])}). Correct or drop "
                         f"{'it' if high.sum() == 1 else 'them'}.", rows_of(high), (cL,), drop("loss", high)))
        ok &= ~high
    if ok.sum() < min_rows and (n < min_rows or not errors(F)):
        have = f"The file has {n} runs" if n < min_rows else f"{ok.sum()} of the {n} rows are usable runs"
        F.append(Finding("error", "too_few", f"{have}; fitting needs at least {min_rows} (more runs than the law "
                         "has parameters)."))
    if ok.sum() < 2:
        return _sorted(F)
    N = vals["n_params"]
    cN = mapping.n_params
    u = COMPUTE_UNITS[compute_unit]
    has_D, has_C = mapping.n_tokens is not None, mapping.compute_flops is not None
    unit_problem = False
    scaled: set[str] = set()          # columns a finding already says are in thousands, millions or billions
    # compute in the wrong unit
    if has_C:
        cC = mapping.compute_flops
        Cf = vals["compute_flops"]
        if has_D:
            ratio = Cf * u / (6 * N * vals["n_tokens"])
            med = float(np.median(ratio[ok]))
            if not (1 / RATIO_6ND <= med <= RATIO_6ND):
                best = min(UNIT_GUESSES, key=lambda k: abs(math.log(med * UNIT_GUESSES[k] / u)))
                fit = med * UNIT_GUESSES[best] / u
                if 1 / RATIO_6ND <= fit <= RATIO_6ND and best != compute_unit:
                    unit_problem = True
                    F.append(Finding(
                        "error", "compute_unit", f"Compute in '{cC}' is {_g(med)}× 6·N·D (median over the runs, "
                        f"read as {compute_unit}): it looks like {best} (then C is {fit:.2f}× 6·N·D). "
                        f"{'Choose that unit, or accept the conversion.' if best in COMPUTE_UNITS else ''}".strip()
                        + ("" if 1 / 1.5 <= fit <= 1.5 else " That still leaves C off 6·N·D: if the column holds "
                           "GPU-hours, dollars or another quantity, convert it to FLOPs, or leave compute unmapped "
                           "(C is then 6·N·D)."),
                        (), (cC,), (_unit_fix(cC, best, compute_unit),)))
                elif med > RATIO_6ND and (sc := _column_scale(N, vals["n_tokens"], ok, cN, mapping.n_tokens, med)):
                    col, word, f, tpp, _ = sc
                    unit_problem = True
                    scaled.add(col)
                    F.append(Finding(
                        "error", "column_scale", f"Compute in '{cC}' is {_g(med)}× 6·N·D (median over the runs): "
                        f"'{col}' looks like {word} of {'parameters' if col == cN else 'tokens'}. Multiplied by "
                        f"{_g(f)}, C is {med / f:.2f}× 6·N·D and the runs have {_g(tpp)} training tokens per "
                        "parameter (median). Accept the conversion, or correct the file.", (), (col, cC),
                        (_scale_fix(col, word, f),)))
                else:
                    moe = (" With mixture-of-experts models, C = 6·N·D holds for active parameters: map active "
                           "parameters, or choose the 'active (MoE)' convention." if med < 1 and param_convention ==
                           "total" else "")
                    F.append(Finding("warning", "compute_6nd", f"Compute in '{cC}' is {_g(med)}× 6·N·D (median), "
                                     "not about 1×: check that it is total training FLOPs and that tokens are "
                                     f"training tokens.{moe}", (), (cC, mapping.n_tokens)))
                    unit_problem = True
            else:
                off = ok & ((ratio > med * RATIO_6ND) | (ratio < med / RATIO_6ND))
                if off.any():
                    F.append(Finding("warning", "compute_6nd_rows", f"In {_rows_text(rows_of(off))}, compute is "
                                     "not about 6·N·D like the other runs "
                                     f"({', '.join(_g(r) for r in ratio[off][:3])}× "
                                     "6·N·D): a typo in compute, N or D?", rows_of(off), (cC,), drop("compute", off)))
        else:
            tpp = Cf * u / (6 * N * N)
            med = float(np.median(tpp[ok]))
            if not (TPP_RANGE[0] <= med <= TPP_RANGE[1]):
                cands = {k: med * f / u for k, f in COMPUTE_UNITS.items() if k != compute_unit}
                good = {k: t for k, t in cands.items() if TPP_RANGE[0] <= t <= TPP_RANGE[1]}
                unit_problem = True
                if good:
                    best = min(good, key=lambda k: abs(math.log(good[k] / 20)))
                    F.append(Finding(
                        "error", "compute_unit", f"Read as {compute_unit}, compute in '{cC}' ({_span(Cf[ok])}) gives "
                        f"{_g(med)} training tokens per parameter (median; D = C / 6N = "
                        f"{_span((Cf * u / (6 * N))[ok])} "
                        f"tokens). In {best} it gives {_g(good[best])} tokens per parameter. Choose that unit, or "
                        "accept the conversion.", (), (cC,), (_unit_fix(cC, best, compute_unit),)))
                else:
                    F.append(Finding("error", "tokens_per_param", f"Compute in '{cC}' implies {_g(med)} training "
                                     f"tokens per parameter (median), outside {_g(TPP_RANGE[0])}–{_g(TPP_RANGE[1])}: "
                                     "check the compute and parameter columns and their units.", (), (cC, cN)))
    D = vals["n_tokens"] if has_D else (vals["compute_flops"] * u / (6 * N))
    cD = mapping.n_tokens or mapping.compute_flops
    # N and D outside any real run
    for arr, rng, t, c in ((N, N_RANGE, "parameters", cN), (D, D_RANGE, "training tokens", cD)):
        if (unit_problem and c == mapping.compute_flops) or c in scaled:
            continue
        bad = ok & ((arr < rng[0]) | (arr > rng[1]))
        if bad.any() and bad.sum() < ok.sum() / 2:
            F.append(Finding("error", f"absurd:{t}", f"{_rows_text(rows_of(bad)).capitalize()}: {t} "
                             f"{', '.join(_g(x) for x in arr[bad][:3])} — outside {_g(rng[0])}–{_g(rng[1])}, the "
                             f"range of any real run. A typo or a unit mistake? Correct or drop "
                             f"{'it' if bad.sum() == 1 else 'them'}.", rows_of(bad), (c,), drop(f"absurd:{t}", bad)))
            ok &= ~bad
        elif bad.any():
            unit_problem = True
            sc = _column_scale(N, vals["n_tokens"], ok, cN, mapping.n_tokens, None) if has_D and not has_C else None
            sc = sc if sc and sc[0] == c else None
            F.append(Finding("error", f"absurd:{t}", f"Most {t} ({_span(arr[ok])}) are outside {_g(rng[0])}–"
                             f"{_g(rng[1])}, the range of any real run: "
                             + (f"'{c}' looks like {sc[1]} (multiplied by {_g(sc[2])}, the runs have {_g(sc[3])} "
                                "training tokens per parameter)." if sc else f"check the column '{c}' and its unit."),
                             (), (c,), (_scale_fix(c, sc[1], sc[2]),) if sc else ()))
    # tokens per parameter
    if has_D and not unit_problem and ok.sum() >= 2:
        tpp = D / N
        med = float(np.median(tpp[ok]))
        if not (TPP_RANGE[0] <= med <= TPP_RANGE[1]):
            swapped = 1 / med
            offers = []        # (how far from 20 tokens per parameter it lands, what it says, the fix)
            if TPP_RANGE[0] <= swapped <= TPP_RANGE[1] and med < 1:
                offers.append((abs(math.log(swapped / 20)), f"are parameters and tokens swapped? Swapped, it is "
                               f"{_g(swapped)}.", Fix("swap_n_d", f"Swap '{cN}' and '{mapping.n_tokens}'", "swap",
                                                      column=cN, other=mapping.n_tokens)))
            sc = None if has_C else _column_scale(N, D, ok, cN, mapping.n_tokens, None)   # 6·N·D would move
            if sc:
                offers.append((sc[4], f"'{sc[0]}' looks like {sc[1]}: multiplied by {_g(sc[2])}, it is {_g(sc[3])}.",
                               _scale_fix(sc[0], sc[1], sc[2])))
            best = min(offers, key=lambda o: o[0]) if offers else None
            F.append(Finding("error", "tokens_per_param", f"Runs have {_g(med)} training tokens per parameter "
                             f"(median), outside {_g(TPP_RANGE[0])}–{_g(TPP_RANGE[1])}: "
                             + (best[1] if best else "check the units of the parameter and token columns."), (),
                             (cN, mapping.n_tokens), (best[2],) if best else ()))
        else:
            off = ok & ((tpp < TPP_RANGE[0]) | (tpp > TPP_RANGE[1]))
            if off.any():
                F.append(Finding("warning", "tokens_per_param_rows", f"{_rows_text(rows_of(off)).capitalize()}: "
                                 f"{', '.join(_g(x) for x in tpp[off][:3])} training tokens per parameter, outside "
                                 f"{_g(TPP_RANGE[0])}–{_g(TPP_RANGE[1])}. Check N and D there.", rows_of(off),
                                 (cN, mapping.n_tokens), drop("tpp", off)))
    if re.search(r"bits?\b|bpb|bpc|bits?_|_bits?", str(cL).lower()) and not (unit_problem or loss_problem):
        F.append(Finding("warning", "loss_bits", f"The loss column '{cL}' is named as bits; fits and the published "
                         "laws use nats per token (1 bit = ln 2 = 0.693 nats).", (), (cL,),
                         (Fix("bits_to_nats", f"Convert '{cL}' from bits to nats (× ln 2)", "scale", column=cL,
                              factor=math.log(2)),)))
    elif not (unit_problem or loss_problem) and ok.sum() >= 3:
        pred = 1.69 + 406.4 / N[ok] ** 0.34 + 410.7 / D[ok] ** 0.28      # Hoffmann et al. 2022, eq. 10
        r = float(np.median(L[ok] / pred))
        if 1.3 <= r <= 1.65 and abs(math.log(r * math.log(2))) < 0.12:
            F.append(Finding("info", "loss_bits_like", f"The losses are {r:.2f}× what Chinchilla's law predicts at "
                             "these N and D — close to 1/ln 2 = 1.44, the ratio of bits to nats. If the loss is in "
                             "bits per token, convert it.", (), (cL,),
                             (Fix("bits_to_nats", f"Convert '{cL}' from bits to nats (× ln 2)", "scale", column=cL,
                                  factor=math.log(2)),)))
    # duplicates
    key_cols = [vals[t] for t, _ in mapped]
    keyed = pd.DataFrame({t: v for (t, _), v in zip(mapped, key_cols)})[ok]
    dup = np.zeros(n, bool)
    if len(keyed):
        dup_ok = keyed.duplicated(keep="first").to_numpy()
        dup[np.flatnonzero(ok)[dup_ok]] = True
    if dup.any():
        times = keyed.groupby(list(keyed.columns), sort=False).size()
        k = int(times.max())
        F.append(Finding("warning", "duplicates", f"{_rows_text(rows_of(dup)).capitalize()} repeat earlier rows "
                         f"exactly ({', '.join(c for _, c in mapped)}): {int((times > 1).sum())} run"
                         f"{'s' if (times > 1).sum() > 1 else ''} appear up to {k} times. The fit and the bootstrap "
                         "would count copies as independent runs.", rows_of(dup), tuple(c for _, c in mapped),
                         (Fix("drop_duplicates", f"Drop the {int(dup.sum())} repeated rows", "drop_duplicates",
                              rows=labels_of(dup)),)))
    ok_u = ok & ~dup
    same_nd = pd.DataFrame({"N": N, "D": D})[ok_u]
    rep = same_nd.duplicated(keep=False).to_numpy()
    if rep.any():
        idx = np.flatnonzero(ok_u)[rep]
        m = np.zeros(n, bool)
        m[idx] = True
        F.append(Finding("info", "repeats", f"{_rows_text(rows_of(m)).capitalize()} share N and D with another run "
                         "but differ in loss (seeds?); each is fitted as its own run.", rows_of(m)))
    # outliers against the trend of the others
    if ok_u.sum() >= OUTLIER_MIN_RUNS and not (unit_problem or loss_problem):
        r = _trend_residuals(N[ok_u], D[ok_u], L[ok_u])
        s_ = 1.4826 * float(np.median(np.abs(r - np.median(r))))
        far = np.abs(r) > max(5 * s_, 0.05)
        if far.any() and far.sum() <= max(1, ok_u.sum() // 5):
            m = np.zeros(n, bool)
            m[np.flatnonzero(ok_u)[far]] = True
            how = ", ".join(f"{abs(x) * 100:.0f}% {'above' if x > 0 else 'below'}" for x in r[far][:3])
            F.append(Finding("warning", "outliers", f"{_rows_text(rows_of(m)).capitalize()} "
                             f"{'is' if far.sum() == 1 else 'are'} far from the trend of the other runs (loss "
                             f"{how} what the others predict at the same N and D). Check "
                             f"{'it' if far.sum() == 1 else 'them'}; drop if a mistake.", rows_of(m), (cL,),
                             drop("outliers", m)))
    return _sorted(F)


_SCALES = {"thousands": 1e3, "millions": 1e6, "billions": 1e9}


def _column_scale(N: np.ndarray, D: np.ndarray, ok: np.ndarray, cN: str, cD: str, need: float | None):
    """A parameter or token column written in thousands, millions or billions (a header like 'tokens (M)',
    or a spreadsheet's unit): the one scaling of one column that puts every N and D inside the range of
    real runs and the median tokens per parameter inside TPP_RANGE, nearest 20; with compute given,
    `need` is C / 6ND, which the factor must explain to within RATIO_6ND. (column, word, factor, tokens
    per parameter after, score = |ln(tpp / 20)|), or None."""
    best = None
    for col, word, f in ((c, w, f) for c in (cN, cD) for w, f in _SCALES.items()):
        if need is not None and not (1 / RATIO_6ND <= need / f <= RATIO_6ND):
            continue
        n, d = (N[ok] * f, D[ok]) if col == cN else (N[ok], D[ok] * f)
        tpp = float(np.median(d / n))
        inside = ((n >= N_RANGE[0]) & (n <= N_RANGE[1]) & (d >= D_RANGE[0]) & (d <= D_RANGE[1])).all()
        score = abs(math.log(tpp / 20)) if TPP_RANGE[0] <= tpp <= TPP_RANGE[1] else math.inf
        if inside and score < math.inf and (best is None or score < best[4]):
            best = (col, word, f, tpp, score)
    return best


def _scale_fix(col: str, word: str, factor: float) -> Fix:
    return Fix(f"scale:{col}", f"Multiply '{col}' by {_g(factor)} (it is in {word})", "scale", column=col,
               factor=factor)


def _unit_fix(col: str, unit: str, chosen: str) -> Fix:
    factor = UNIT_GUESSES[unit] / COMPUTE_UNITS[chosen]
    name = {"PF-days": "convert_pf_days"}.get(unit, f"convert_{unit.lower().replace('-', '_')}")
    return Fix(name, f"Convert '{col}' from {unit} to {chosen} (× {_g(factor)})", "scale", column=col, factor=factor)


def _sorted(F: list[Finding]) -> list[Finding]:
    return sorted(F, key=lambda f: SEVERITIES.index(f.severity))


def errors(findings) -> list[Finding]:
    """The error-level findings (those that stop import_csv)."""
    return [f for f in findings if f.severity == "error"]


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
               param_convention: str = "total", *, fixes=(), check: bool = False):
    """Parse, check, validate and store an uploaded CSV in one go. Raises IngestError (nothing
    stored) or returns the store's ImportResult.

    With a mapping (parameters, loss, tokens or compute), the standard runs are validated and
    stored; every numeric column is stored as well, so any law form can be fitted to them.
    Without one, only the numeric columns are stored (e.g. a loss curve: step, lr, loss).

    fixes: Fix objects (or their as_dict() forms) the user accepted from check_runs; they are
    applied to the file before anything else and recorded with the dataset. check=True (what
    the import page should pass): with a mapping, run check_runs after the fixes and raise
    UploadRejected (an IngestError carrying .findings) while any error-level finding remains;
    warnings do not stop the import and are recorded with the dataset. The default check=False
    keeps the old behaviour (normalise's validation only) for existing callers."""
    from .store import RUN_COLUMNS, import_runs
    df = read_table(data)
    if fixes:
        df = apply_fixes(df, fixes)
    if param_convention not in PARAM_CONVENTIONS:
        raise IngestError(f"Unknown parameter convention {param_convention!r}; choose one of "
                          f"{', '.join(PARAM_CONVENTIONS)}.")
    findings: list[Finding] = []
    if mapping is not None and check:
        findings = check_runs(df, mapping, compute_unit=compute_unit, param_convention=param_convention)
        if errors(findings):
            raise UploadRejected(findings)
    table = numeric_table(df)
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
    if df.attrs.get("fixes_applied"):
        cols["fixes_applied"] = list(df.attrs["fixes_applied"])
    if findings:
        cols["warnings"] = [f.message for f in findings if f.severity == "warning"][:20]
    if read_notes(df):
        cols["read_notes"] = read_notes(df)
    return import_runs(con, runs, name.strip() or "unnamed upload", note, source_columns=cols, table=table)
