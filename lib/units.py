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
