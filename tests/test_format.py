"""One number formatter (issue 13): counts, FLOPs, losses, percentages, CSV values, tables."""
import math

import numpy as np
import pandas as pd
import pytest

from scaling_explorer.units import DASH, column_kind, csv_float, fmt_num, frame_for_csv, table_for_display


@pytest.mark.parametrize("x, kind, want", [
    (1.23e10, "count", "12.3 B"),
    (7e9, "count", "7 B"),
    (512, "count", "512"),
    (3.16227766e21, "flops", "3.16e21"),
    (316227766016837940000, "flops", "3.16e20"),
    (2.0312456, "loss", "2.0312"),
    (0.02, "pct", "2.00%"),
    (0.0118, "pct", "1.18%"),
    (0.5, "pct", "50.00%"),
    (123456, "int", "123,456"),
    (2022, "auto", "2022"),
    (0.25, "auto", "0.25"),
    (989.5, "auto", "989.5"),
    (641000000000000000000, "auto", "6.41e20"),
    (1e-7, "auto", "1e-7"),
    (5.760000000000009e+23, "csv", "5.76e+23"),
    (None, "loss", DASH),
    (float("nan"), "flops", DASH),
    (math.inf, "flops", "∞"),
    ("text", "auto", DASH),
])
def test_fmt_num(x, kind, want):
    assert fmt_num(x, kind) == want


def test_percentages_side_by_side_carry_the_same_digits():
    shown = [fmt_num(x, "pct") for x in (0.02, 0.0118, 0.1)]
    assert {len(s.split(".")[1]) for s in shown} == {3}     # two decimals and the % sign


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        fmt_num(1.0, "money")


def test_csv_float_is_short_and_close():
    x = 6 * 67e9 * 1.4e12 * (1 + 1e-15)
    assert repr(csv_float(x)) == "5.628e+23" and csv_float(x) == pytest.approx(x, rel=1e-12)
    out = frame_for_csv(pd.DataFrame({"C": [5.760000000000009e+23, np.nan], "name": ["a", "b"],
                                      "obj": [0.1 + 0.2, "x"]}))
    text = out.to_csv(index=False)
    assert "5.76e+23" in text and "5.760000000000009" not in text and "0.30000000000000004" not in text
    assert out["name"].tolist() == ["a", "b"]


@pytest.mark.parametrize("name, kind", [
    ("compute_flops", "flops"), ("C (FLOPs)", "flops"), ("n_params", "count"), ("N*", "count"),
    ("D* (tokens)", "count"), ("loss", "loss"), ("L(N, D)", "loss"), ("share %", "pct"), ("year", "auto"),
    ("alpha", "auto"),
])
def test_column_kinds_from_names(name, kind):
    assert column_kind(name) == kind


def test_table_for_display_formats_every_number_one_way():
    df = pd.DataFrame({"model": ["a", None, "c"], "n_params": [7e9, np.nan, 1.2e11],
                       "compute_flops": [2.31e22, 641000000000000000000, None],
                       "loss": [2.1, None, 1.93456], "year": [2022, 2023, 2024], "note": [None, "x", pd.NA]})
    out = table_for_display(df)
    assert out["compute_flops"].tolist() == ["2.31e22", "6.41e20", DASH]
    assert out["n_params"].tolist() == ["7 B", DASH, "120 B"]
    assert out["loss"].tolist() == ["2.1000", DASH, "1.9346"]
    assert out["year"].tolist() == ["2022", "2023", "2024"]
    assert out["model"].tolist() == ["a", DASH, "c"] and out["note"].tolist() == [DASH, "x", DASH]
    flat = " ".join(out.astype(str).to_numpy().ravel())
    assert "None" not in flat and "nan" not in flat and "641000000000000000000" not in flat
    assert list(out.columns) == list(df.columns) and out.index.equals(df.index)


def test_table_for_display_takes_kinds_and_digits():
    df = pd.DataFrame({"max |error|": [0.02, 0.0118]})
    out = table_for_display(df, kinds={"max |error|": "pct"}, digits={"max |error|": 1})
    assert out["max |error|"].tolist() == ["2.0%", "1.2%"]
