"""Number formatting shared by URLs, labels, titles and tables."""
from __future__ import annotations

import math


def fmt_sci(x: float, digits: int = 3) -> str:
    """Compact scientific notation: 1e21, 3.16e21 (no '+', no padding)."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    s = f"{x:.{digits}g}"
    if "e" in s:
        mant, exp = s.split("e")
        return f"{mant}e{int(exp)}"
    return s


def human(x: float | None, unit: str = "") -> str:
    """1.2e10 → '12 B'; for counts of parameters and tokens."""
    if x is None or not math.isfinite(x):
        return "—"
    for div, suf in ((1e15, " P"), (1e12, " T"), (1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suf}{unit}"
    return f"{x:.3g}{(' ' + unit) if unit else ''}"


# ---- one formatter for every number shown or exported ------------------------------------------

DASH = "—"                      # shown for a missing value (None, NaN), never "None" or "nan"
KINDS = ("auto", "count", "flops", "sci", "loss", "pct", "int", "float", "csv")


def _as_float(x) -> float | None:
    """x as a float, or None when it is missing or not a number (bools are not numbers here)."""
    if x is None or isinstance(x, (bool, str, bytes)):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if math.isnan(v) else v


def csv_float(x: float) -> float:
    """x rounded to 12 significant digits, so its repr is short: 5.760000000000009e+23 -> 5.76e+23.
    Values already short are unchanged; non-finite values pass through."""
    v = float(x)
    return float(f"{v:.12g}") if math.isfinite(v) else v


def fmt_num(x, kind: str = "auto", digits: int | None = None) -> str:
    """The one way to turn a number into text (labels, metrics, tables, exports).

    kind:
      * "count"  parameters, tokens, GPUs: human units, 3 significant digits: 1.23e10 -> "12.3 B"
      * "flops"  (or "sci") compute: compact scientific, 3 significant digits: "3.16e21"
      * "loss"   nats per token: fixed decimals (digits, default 4): "2.0312"
      * "pct"    x is a FRACTION (0.0118 -> "1.18%"); fixed decimals (digits, default 2), so
                 numbers side by side always carry the same digits ("2.00%" beside "1.18%")
      * "int"    integer with thousands separators: "12,345" (non-integers are rounded)
      * "float"  / "auto": 4 significant digits for 1e-3 <= |x| < 1e5, else compact scientific;
                 integral values below 1e5 print without a decimal point (years, counts of rows)
      * "csv"    the shortest text that reads back as x rounded to 12 significant digits
    None, NaN and non-numbers give "—"; ±inf gives "∞" / "−∞"."""
    if kind not in KINDS:
        raise ValueError(f"unknown number kind {kind!r}; one of {', '.join(KINDS)}")
    v = _as_float(x)
    if v is None:
        return DASH
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if kind == "csv":
        return repr(csv_float(v))
    if kind == "count":
        if abs(v) < 1e3:
            return f"{v:.0f}" if v == int(v) else f"{v:.3g}"
        return human(v)
    if kind in ("flops", "sci"):
        return fmt_sci(v, digits or 3)
    if kind == "loss":
        return f"{v:.{4 if digits is None else digits}f}"
    if kind == "pct":
        return f"{100 * v:.{2 if digits is None else digits}f}%"
    if kind == "int":
        return f"{round(v):,}"
    # auto / float
    if v == 0:
        return "0"
    if abs(v) < 1e5 and v == int(v):
        return str(int(v))
    if 1e-3 <= abs(v) < 1e5:
        s = f"{v:.{digits or 4}g}"
        return s if "e" not in s else fmt_sci(v, digits or 4)
    return fmt_sci(v, digits or 3)


_NAME_KINDS = (   # (pattern on the lower-cased column name, kind), first match wins
    (r"flop|compute|budget|^c$|^c[*_ (]|^log10_c", "flops"),
    (r"loss|nll|^l$|^l[*_ (]|cross.?entropy", "loss"),
    (r"param|token|^n$|^d$|^[nd][*_ ]|^[nd]\b|size|batch|gpus?\b", "count"),
    (r"percent|pct|share|%", "pct"),
)


def column_kind(name) -> str:
    """The number kind a column's name suggests (see fmt_num); "auto" when it suggests none."""
    import re
    s = str(name).strip().lower()
    for pat, kind in _NAME_KINDS:
        if re.search(pat, s):
            return kind
    return "auto"


def table_for_display(df, kinds: dict | None = None, digits: dict | None = None):
    """A copy of a DataFrame whose cells are display strings, every number through fmt_num.

    kinds maps column name -> fmt_num kind; columns not in it get column_kind(name) when they
    hold numbers. Missing values (None, NaN, NaT, pd.NA) become "—"; text is kept as it is.
    digits optionally maps column name -> digits for fmt_num. The index is kept. Use it for
    st.dataframe / st.table when a table mixes magnitudes (2.31e22 beside 6.41e20, never
    641000000000000000000), not for data the user sorts numerically (strings sort as text)."""
    import pandas as pd
    kinds = dict(kinds or {})
    digits = dict(digits or {})
    out = {}
    for col in df.columns:
        s = df[col]
        kind = kinds.get(col) or column_kind(col)
        d = digits.get(col)

        def one(v, kind=kind, d=d):
            if v is None or (not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v)):
                return DASH
            if isinstance(v, bool) or isinstance(v, str):
                return str(v)
            if _as_float(v) is not None:
                return fmt_num(v, kind, d)
            return str(v)
        out[col] = [one(v) for v in s.tolist()]
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def dash_columns(df, kinds: dict, digits: dict | None = None):
    """A copy of df whose columns named in kinds are fmt_num text ("—" for a missing value, where
    st.dataframe would print "None"); the other columns, numbers included, stay as they are (so
    they sort as numbers and take a column_config format). For columns that often miss a value,
    like the loss of a law that only allocates."""
    out = df.copy()
    shown = table_for_display(df[list(kinds)], kinds, digits)
    for col in kinds:
        out[col] = shown[col]
    return out


def frame_for_csv(df):
    """A copy of a DataFrame for CSV export: float values rounded to 12 significant digits (so the
    file says 5.76e+23, not 5.760000000000009e+23); other columns unchanged. Object columns holding
    Python floats are rounded the same way."""
    import numpy as np
    import pandas as pd
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_float_dtype(s.dtype):
            out[col] = np.array([csv_float(v) if v == v else v for v in s.to_numpy(dtype=float)], dtype=float)
        elif s.dtype == object:
            out[col] = [csv_float(v) if isinstance(v, float) else v for v in s.tolist()]
    return out
