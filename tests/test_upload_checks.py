"""The upload check (issue 13): units questioned, implausible values, duplicates and outliers named
by row, one-click fixes, spreadsheet quirks, and nothing stored until the errors are fixed."""
import math
import time

import numpy as np
import pytest

from scaling_explorer import ingest, store

HEADER = "name,params,tokens,loss"
M = ingest.Mapping(n_params="params", loss="loss", n_tokens="tokens", run_name="name")
M_C = ingest.Mapping(n_params="params", loss="loss", compute_flops="compute", run_name="name")


def _runs(n=12, seed=0, noise=0.003):
    """Runs on Chinchilla's law with a little noise: a realistic sweep."""
    rng = np.random.default_rng(seed)
    N = np.logspace(7.5, 9.5, n)
    D = 20 * N * rng.uniform(0.5, 2, n)
    L = (1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28) * (1 + rng.normal(0, noise, n))
    return [(f"r{i}", f"{N[i]:.6g}", f"{D[i]:.6g}", f"{L[i]:.5f}") for i in range(n)]


ROWS = _runs()


def csv(rows, header=HEADER, sep=",") -> bytes:
    return ("\n".join([header] + [sep.join(str(v) for v in r) for r in rows]) + "\n").encode()


def _edit(i, col, value, rows=ROWS):
    rows = [list(r) for r in rows]
    rows[i][col] = value
    return rows


def pf_days(rows):   # compute only, in PF-days
    return csv([(r[0], r[1], f"{6 * float(r[1]) * float(r[2]) / 8.64e19:.4g}", r[3]) for r in rows],
               header="name,params,compute,loss")


def findings(data, mapping=M, unit="FLOPs"):
    return ingest.check_runs(ingest.read_table(data), mapping, unit)


def codes(fs, severity=None):
    return {f.code for f in fs if severity is None or f.severity == severity}


@pytest.fixture
def con(tmp_path):
    c = store.connect_user(tmp_path / "u.duckdb")
    yield c
    c.close()


# ---- no false alarms ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_realistic_sweeps_raise_nothing(seed):
    assert [f.message for f in findings(csv(_runs(n=20, seed=seed)))] == []


def test_an_isoflop_sweep_raises_nothing():
    rows = []
    for C in (1e18, 1e19, 1e20):
        for N in np.logspace(math.log10((C / 6 / 400) ** 0.5), math.log10((C / 6 / 2) ** 0.5), 7):
            D = C / (6 * N)
            rows.append((f"c{C:g}", f"{N:.6g}", f"{D:.6g}", f"{1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28:.5f}"))
    assert [f.message for f in findings(csv(rows))] == []


def test_the_existing_good_fixture_raises_no_error():
    good = csv([(f"r{i}", f"{1e7 * 2 ** i:.6g}", f"{2e8 * 2 ** i:.6g}", 3.5 - 0.1 * i) for i in range(8)])
    assert codes(findings(good), "error") == set()


# ---- the findings of issue 13 ------------------------------------------------------------------

def test_compute_in_pf_days_imported_as_flops_is_caught_and_converted(con):
    data = pf_days(ROWS)
    fs = findings(data, M_C)
    f = next(f for f in fs if f.code == "compute_unit")
    assert f.severity == "error" and "PF-days" in f.message and "tokens per parameter" in f.message
    assert f.fix.id == "convert_pf_days" and f.fix.factor == pytest.approx(8.64e19)
    before = store.store_checksum(con)
    with pytest.raises(ingest.UploadRejected) as e:
        ingest.import_csv(con, data, M_C, "pf", check=True)
    assert "PF-days" in str(e.value) and store.store_checksum(con) == before
    res = ingest.import_csv(con, data, M_C, "pf", check=True, fixes=[f.fix])
    runs = store.get_runs(con, res.dataset_id)
    tpp = runs["n_tokens"] / runs["n_params"]
    assert res.created and res.n_rows == 12 and tpp.between(5, 80).all()


def test_compute_beside_tokens_that_is_not_6nd_names_the_unit():
    rows = [(r[0], r[1], r[2], f"{6 * float(r[1]) * float(r[2]) / 8.64e19:.4g}", r[3]) for r in ROWS]
    fs = findings(csv(rows, header="name,params,tokens,compute,loss"),
                  ingest.Mapping(n_params="params", loss="loss", n_tokens="tokens", compute_flops="compute"))
    f = next(f for f in fs if f.code == "compute_unit")
    assert "6·N·D" in f.message and "PF-days" in f.message and f.fix.id == "convert_pf_days"


def test_compute_chosen_as_pf_days_but_in_flops_is_caught():
    rows = [(r[0], r[1], f"{6 * float(r[1]) * float(r[2]):.4g}", r[3]) for r in ROWS]
    fs = findings(csv(rows, header="name,params,compute,loss"), M_C, unit="PF-days")
    f = next(f for f in fs if f.code == "compute_unit")
    assert "In FLOPs" in f.message and f.fix.factor == pytest.approx(1 / 8.64e19)


def test_one_run_with_n_1e30_is_named_and_can_be_dropped():
    data = csv(_edit(3, 1, "1e30"))
    f = next(f for f in findings(data) if f.code.startswith("absurd"))
    assert f.severity == "error" and f.rows == (5,) and "Row 5" in f.message and "1e30" in f.message
    fixed = ingest.apply_fixes(ingest.read_table(data), [f.fix])
    assert len(fixed) == 11 and ingest.check_runs(fixed, M) == []


def test_perplexities_as_loss_get_the_log():
    data = csv([(r[0], r[1], r[2], f"{math.exp(float(r[3])):.4f}") for r in ROWS])
    f = next(f for f in findings(data) if f.code == "loss_not_nats")
    assert f.severity == "error" and "perplexities" in f.message and f.fix.id == "log_of_perplexity"
    fixed = ingest.apply_fixes(ingest.read_table(data), [f.fix])
    assert np.allclose(fixed["loss"].astype(float), [float(r[3]) for r in ROWS], rtol=1e-4)
    assert ingest.check_runs(fixed, M) == []


def test_loss_in_bits_is_questioned():
    bits = [(r[0], r[1], r[2], f"{float(r[3]) / math.log(2):.5f}") for r in ROWS]
    f = next(f for f in findings(csv(bits)) if f.code == "loss_bits_like")
    assert f.severity == "info" and "bits" in f.message and f.fix.id == "bits_to_nats"
    named = findings(csv(bits, header="name,params,tokens,loss_bits"),
                     ingest.Mapping(n_params="params", loss="loss_bits", n_tokens="tokens"))
    g = next(f for f in named if f.code == "loss_bits")
    assert g.severity == "warning" and g.fix.factor == pytest.approx(math.log(2))


def test_every_run_three_times_is_flagged_and_dropped(con):
    data = csv(ROWS * 3)
    f = next(f for f in findings(data) if f.code == "duplicates")
    assert f.severity == "warning" and "3 times" in f.message and len(f.rows) == 24 and f.rows[0] == 14
    res = ingest.import_csv(con, data, M, "dedup", check=True, fixes=[f.fix])
    assert res.n_rows == 12


def test_an_outlier_is_named_by_its_row():
    data = csv(_edit(5, 3, f"{float(ROWS[5][3]) * 0.85:.5f}"))
    f = next(f for f in findings(data) if f.code == "outliers")
    assert f.rows == (7,) and "Row 7" in f.message and "below" in f.message
    assert f.fix.kind == "drop_rows"


def test_tokens_per_parameter_out_of_range_rows_are_warned():
    data = csv(_edit(2, 2, f"{float(ROWS[2][1]) * 3e5:.6g}"))
    f = next(f for f in findings(data) if f.code == "tokens_per_param_rows")
    assert f.severity == "warning" and f.rows == (4,)


def test_import_csv_refuses_errors_and_keeps_old_behaviour_when_not_asked(con):
    data = csv(_edit(3, 1, "1e30"))
    with pytest.raises(ingest.UploadRejected) as e:
        ingest.import_csv(con, data, M, "strict", check=True)
    assert any(f.code.startswith("absurd") for f in e.value.findings) and "Row 5" in str(e.value)
    assert len(store.list_datasets(con)) == 0
    assert ingest.import_csv(con, data, M, "lenient").created    # check=False: as before


def test_warnings_do_not_stop_the_import_and_are_recorded(con):
    import json
    res = ingest.import_csv(con, csv(ROWS * 2), M, "dups", check=True)
    cols = json.loads(con.execute("SELECT source_columns FROM datasets WHERE id = ?", [res.dataset_id]).fetchone()[0])
    assert res.n_rows == 24 and any("repeat earlier rows" in w for w in cols["warnings"])


def test_fix_ids_are_unique_and_fixes_survive_a_round_trip_as_dicts():
    data = csv([(r[0], f"{float(r[1]) / 1e6:.0f}M", r[2], f"{math.exp(float(r[3])):.4f}") for r in ROWS * 2])
    fs = findings(data)
    fixes = [x for f in fs for x in f.fixes]
    assert len({x.id for x in fixes}) == len(fixes)
    again = [ingest.Fix.from_dict(x.as_dict()) for x in fixes]
    assert again == fixes
    df = ingest.apply_fixes(ingest.read_table(data), [f.fix.as_dict() for f in fs if f.fix])
    left = ingest.check_runs(df, M)
    assert codes(left, "error") == set(), [f.message for f in left]


# ---- spreadsheet quirks -------------------------------------------------------------------------

def test_trailing_empty_columns_are_dropped():
    df = ingest.read_table(csv([r + ("", "", "") for r in ROWS], header=HEADER + ",,,"))
    assert list(df.columns) == HEADER.split(",") and "empty column" in " ".join(ingest.read_notes(df))


def test_comment_and_blank_lines_are_skipped_and_rows_keep_their_file_numbers():
    data = b"# exported from a sweep\n# loss in nats\n\n" + csv(ROWS).replace(b"\nr3,", b"\n\nr3,") + b"\n,,,\n"
    df = ingest.read_table(data)
    assert len(df) == 12 and list(df.columns) == HEADER.split(",")
    assert "comment" in " ".join(ingest.read_notes(df)) and "blank" in " ".join(ingest.read_notes(df))
    assert ingest.file_row(df, 0) == 5 and ingest.file_row(df, 3) == 9   # header on line 4, blank line 8
    bad = data.replace(ROWS[3][1].encode(), b"big")
    f = next(f for f in ingest.check_runs(ingest.read_table(bad), M) if f.code.startswith("text"))
    assert f.rows == (9,) and "row 9" in f.message


def test_bom_and_excel_sep_line():
    df = ingest.read_table(b"\xef\xbb\xbf" + csv(ROWS))
    assert df.columns[0] == "name" and "byte-order mark" in ingest.read_notes(df)[0]
    df = ingest.read_table(b"sep=;\n" + csv(ROWS, header=HEADER.replace(",", ";"), sep=";"))
    assert list(df.columns) == HEADER.split(",") and ingest.file_row(df, 0) == 3


def test_semicolon_file_with_decimal_commas_is_read():
    rows = [(r[0], r[1].replace(".", ","), r[2].replace(".", ","), r[3].replace(".", ",")) for r in ROWS]
    df = ingest.read_table(csv(rows, header=HEADER.replace(",", ";"), sep=";"))
    assert "decimal commas" in " ".join(ingest.read_notes(df))
    runs = ingest.normalise(df, M)
    assert runs["loss"].tolist() == pytest.approx([float(r[3]) for r in ROWS])


def test_ragged_line_says_which_line_and_what_to_do():
    with pytest.raises(ingest.IngestError) as e:
        ingest.read_table(b"a,b,c\n1,2,3\n1,2,3,4\n")
    msg = str(e.value)
    assert "Line 3 has 4 fields" in msg and "header (line 1) has 3" in msg and "Expected" not in msg
    assert "quotes" in msg


def test_named_values_in_an_unnamed_trailing_column_are_refused():
    with pytest.raises(ingest.IngestError, match="Column 4 has values .* but no name"):
        ingest.read_table(b"a,b,c,\n1,2,3,\n1,2,3,9\n")


# ---- my own bad uploads: what each now gets ----------------------------------------------------

BAD = {
    # name: (bytes, mapping, unit, expected (severity, code prefix, words in the message), fix kind or None)
    "negative tokens": (csv(_edit(2, 2, "-" + ROWS[2][2])), M, "FLOPs",
                        ("error", "nonpositive", ["'tokens'", "negative", "row 4"]), "drop_rows"),
    "N and D swapped": (csv([(r[0], r[2], r[1], r[3]) for r in ROWS]), M, "FLOPs",
                        ("error", "tokens_per_param", ["swapped"]), "swap"),
    "loss in percent (350%)": (csv([(r[0], r[1], r[2], f"{float(r[3]) * 100:.2f}%") for r in ROWS]), M, "FLOPs",
                               ("error", "percent", ["percent signs", "'loss'"]), "strip_percent"),
    "loss written x100": (csv([(r[0], r[1], r[2], f"{float(r[3]) * 100:.2f}") for r in ROWS]), M, "FLOPs",
                          ("error", "loss_not_nats", ["perplexities", "divide by 100"]), "log"),
    "Excel date-formatted parameters": (csv(_edit(1, 1, "07/01/1900")), M, "FLOPs",
                                        ("error", "date", ["dates", "row 3", "Format the column as Number"]), None),
    "ISO date in tokens": (csv(_edit(4, 2, "2023-01-05")), M, "FLOPs", ("error", "date", ["row 6"]), None),
    "header repeated mid-file": (csv(ROWS[:6] + [tuple(HEADER.split(","))] + ROWS[6:]), M, "FLOPs",
                                 ("error", "header_repeated", ["Row 8", "repeats the header"]), "drop_rows"),
    "units in cells (7B, 1.4T)": (csv([(r[0], f"{float(r[1]) / 1e6:.0f}M", f"{float(r[2]) / 1e9:.3f}B", r[3])
                                       for r in ROWS]), M, "FLOPs",
                                  ("error", "suffixes", ["unit letters", "'params'"]), "expand_suffixes"),
    "mixed thousands separators": (csv(_edit(2, 1, "2.000.000", _edit(1, 1, '"1,000,000"'))), M, "FLOPs",
                                   ("error", "thousands", ["thousands separators", "rows 3 and 4"]), "strip_thousands"),
    "decimal commas, quoted, in a comma file": (csv(_edit(0, 3, f'"{ROWS[0][3].replace(".", ",")}"')), M, "FLOPs",
                                                ("error", "decimal_comma", ["decimal commas", "row 2"]),
                                                "decimal_comma"),
    "log-likelihood instead of loss": (csv([(r[0], r[1], r[2], "-" + r[3]) for r in ROWS]), M, "FLOPs",
                                       ("error", "loss_negative", ["log-likelihood"]), "scale"),
    "spreadsheet error value": (csv(_edit(3, 3, "#DIV/0!")), M, "FLOPs",
                                ("error", "excel_error", ["error values", "row 5"]), "drop_rows"),
    "one loss in bits-per-1000": (csv(_edit(6, 3, "3500")), M, "FLOPs",
                                  ("error", "loss_rows", ["Row 8", "3.5e3", "nats"]), "drop_rows"),
    "compute in PF-days as FLOPs": (pf_days(ROWS), M_C, "FLOPs",
                                    ("error", "compute_unit", ["PF-days", "tokens per parameter"]), "scale"),
    "the same runs pasted twice": (csv(ROWS + ROWS), M, "FLOPs",
                                   ("warning", "duplicates", ["repeat earlier rows", "2 times"]), "drop_duplicates"),
    "one typo'd loss": (csv(_edit(9, 3, f"{float(ROWS[9][3]) * 1.25:.5f}")), M, "FLOPs",
                        ("warning", "outliers", ["Row 11", "above"]), "drop_rows"),
    "N = 1e30": (csv(_edit(3, 1, "1e30")), M, "FLOPs", ("error", "absurd", ["Row 5", "1e30"]), "drop_rows"),
    "formula": (csv(_edit(1, 3, "=B2/C2")), M, "FLOPs", ("error", "formula", ["formulas", "paste values"]), None),
    "empty loss cell": (csv(_edit(1, 3, "")), M, "FLOPs", ("error", "empty", ["empty cells", "row 3"]), "drop_rows"),
    "first row is data, no header": (csv(ROWS, header=",".join(ROWS[0])), M, "FLOPs",
                                     ("error", "missing", ["not in the file", "add a header row"]), None),
    "four runs only": (csv(ROWS[:4]), M, "FLOPs", ("error", "too_few", ["at least 6"]), None),
}

READ_ERRORS = {
    "header-only file": (b"name,params,tokens,loss\n", ["header but no runs"]),
    "one-column file": (b"loss\n3.1\n3.0\n2.9\n", ["Only one column"]),
    "comma file with unquoted decimal commas": (b"name,params,tokens,loss\nr0,1e8,2e9,3,5\n",
                                                ["Line 2 has 5 fields", "header (line 1) has 4", "decimal comma"]),
    "only comments": (b"# nothing here\n# at all\n", ["no header row"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_upload_gets_a_plain_message_and_a_fix(name, con):
    data, mapping, unit, (severity, code, words), fix_kind = BAD[name]
    fs = findings(data, mapping, unit)
    f = next((f for f in fs if f.code.startswith(code)), None)
    assert f is not None, [x.message for x in fs]
    assert f.severity == severity
    for w in words:
        assert w in f.message, f.message
    assert (f.fix.kind if f.fix else None) == fix_kind
    before = store.store_checksum(con)
    if severity == "error":
        with pytest.raises(ingest.UploadRejected):
            ingest.import_csv(con, data, mapping, name, compute_unit=unit, check=True)
        assert store.store_checksum(con) == before
    if f.fix and name not in ("loss written x100",):
        df = ingest.apply_fixes(ingest.read_table(data), [x.fix for x in fs if x.fix])
        left = ingest.check_runs(df, mapping, unit)
        assert codes(left, "error") == set(), [x.message for x in left]


@pytest.mark.parametrize("name", list(READ_ERRORS))
def test_unreadable_bad_upload_says_what_to_do(name):
    data, words = READ_ERRORS[name]
    with pytest.raises(ingest.IngestError) as e:
        ingest.read_table(data)
    for w in words:
        assert w in str(e.value)


def test_the_bad_upload_corpus_is_large_enough():
    assert len(BAD) + len(READ_ERRORS) >= 20


def test_check_is_fast_on_the_largest_upload():
    rng = np.random.default_rng(1)
    n = ingest.MAX_ROWS
    N = 10 ** rng.uniform(7, 10, n)
    D = N * 10 ** rng.uniform(0, 3, n)
    L = 1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28
    body = "\n".join(f"r,{a:.6g},{b:.6g},{c:.5f}" for a, b, c in zip(N, D, L))
    data = (HEADER + "\n" + body + "\n").encode()
    t = time.perf_counter()
    df = ingest.read_table(data)
    fs = ingest.check_runs(df, M)
    assert time.perf_counter() - t < 20
    assert codes(fs, "error") == set()


# ---- never a traceback ---------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CELL = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-10**30, 10**30).map(str),
                 st.sampled_from(["", "7B", "1.4T", "1,000,000", "3,5", "350%", "#N/A", "=A1", "2023-01-05", "nan",
                                  "-inf", "params", "loss", "0", "-1"]),
                 st.text(max_size=8))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=25), st.booleans())
def test_check_and_fixes_never_raise(rows, compute_only):
    lines = ["params,tokens,loss"] + [",".join('"' + c.replace('"', "") + '"' for c in r) for r in rows]
    try:
        df = ingest.read_table(("\n".join(lines) + "\n").encode())
    except ingest.IngestError:
        return
    m = ingest.Mapping(n_params="params", loss="loss", **({"compute_flops": "tokens"} if compute_only
                                                          else {"n_tokens": "tokens"}))
    fs = ingest.check_runs(df, m)
    assert all(f.severity in ingest.SEVERITIES and len(f.message) > 20 for f in fs)
    fixed = ingest.apply_fixes(df, [x for f in fs for x in f.fixes])
    ingest.check_runs(fixed, m)


# ---- this session's bad uploads: columns in thousands/millions/billions, scores as losses, Markdown ---------

def _scaled(rows, col, factor, header=HEADER):
    return csv([tuple(f"{float(v) / factor:.6g}" if j == col else v for j, v in enumerate(r)) for r in rows], header)


@pytest.mark.parametrize("col,factor,word", [(2, 1e6, "millions"), (1, 1e9, "billions"), (1, 1e6, "millions"), (2, 1e3, "thousands")])
def test_a_count_column_in_millions_or_billions_is_named_and_scaled_back(col, factor, word):
    """Tokens written in millions (a 'tokens (M)' column) or parameters in billions, no compute column:
    tokens per parameter (or N itself) say which column and by how much; one click restores the runs."""
    data = _scaled(ROWS, col, factor)
    name = HEADER.split(",")[col]
    f = next(f for f in findings(data) if f.fix and f.fix.kind == "scale")
    assert f.severity == "error" and f"'{name}' looks like {word}" in f.message, f.message
    assert (f.fix.column, f.fix.factor) == (name, factor)
    fixed = ingest.apply_fixes(ingest.read_table(data), [f.fix])
    assert fixed[name].astype(float).tolist() == pytest.approx([float(r[col]) for r in ROWS], rel=1e-5)
    assert ingest.check_runs(fixed, M) == []


def test_compute_a_million_times_6nd_names_the_token_column_in_millions():
    """With compute given, C = 1e6 · 6·N·D: no FLOP unit explains a ratio above 1, a token column in
    millions does (before, only a warning: the runs could be stored with D a million times too small)."""
    rows = [(r[0], r[1], f"{float(r[2]) / 1e6:.6g}", f"{6 * float(r[1]) * float(r[2]):.6g}", r[3]) for r in ROWS]
    data = csv(rows, header="name,params,tokens,compute,loss")
    mapping = ingest.Mapping(n_params="params", loss="loss", n_tokens="tokens", compute_flops="compute",
                             run_name="name")
    fs = findings(data, mapping)
    f = next(f for f in fs if f.code == "column_scale")
    assert f.severity == "error" and "'tokens' looks like millions of tokens" in f.message and "1.00× 6·N·D" in f.message
    assert codes(fs) == {"column_scale"}                # one finding, not also an "outside the range" one
    assert ingest.check_runs(ingest.apply_fixes(ingest.read_table(data), [f.fix]), mapping) == []


def test_swapped_columns_still_get_the_swap_not_a_rescale():
    data = csv([(r[0], r[2], r[1], r[3]) for r in ROWS])
    f = next(f for f in findings(data) if f.code == "tokens_per_param")
    assert f.fix.kind == "swap" and "swapped" in f.message


def test_accuracies_in_percent_are_not_taken_for_perplexities():
    """Scores that rise with model size are not a loss: no log offered, the message says to map the loss."""
    acc = [(r[0], r[1], r[2], f"{30 + 3 * i:.1f}") for i, r in enumerate(ROWS)]
    f = next(f for f in findings(csv(acc)) if f.code == "loss_not_nats")
    assert f.severity == "error" and f.fixes == () and "rise with model size" in f.message
    assert "Map the loss column" in f.message and "perplexities" not in f.message


def test_approximate_signs_before_unit_letters_are_read():
    rows = [(r[0], f"~{float(r[1]) / 1e6:.4g}M", r[2], r[3]) for r in ROWS]
    data = csv(rows)
    f = next(f for f in findings(data) if f.fix and f.fix.kind == "expand_suffixes")
    fixed = ingest.apply_fixes(ingest.read_table(data), [f.fix])
    assert fixed["params"].astype(float).tolist() == pytest.approx([float(r[1]) for r in ROWS], rel=1e-3)


def test_a_markdown_table_is_read_with_its_line_numbers():
    md = ("| name | params | tokens | loss |\n|:---|---:|---:|---:|\n"
          + "\n".join(f"| {' | '.join(r)} |" for r in ROWS) + "\n").encode()
    df = ingest.read_table(md)
    assert list(df.columns) == HEADER.split(",") and len(df) == len(ROWS)
    assert df["loss"].tolist() == [r[3] for r in ROWS]
    notes = ingest.read_notes(df)
    assert any("Markdown table" in n for n in notes) and not any("blank" in n for n in notes), notes
    assert ingest.file_row(df, 0) == 3                  # header on line 1, the |---| rule on line 2
    assert ingest.check_runs(df, M) == []


def test_compute_in_gpu_hours_is_not_passed_off_as_a_flop_unit():
    """GPU-hours land near EFLOPs by accident (2.2x 6ND after the conversion): the message says the gap
    remains and what else the column may hold."""
    rows = [(r[0], r[1], r[2], f"{6 * float(r[1]) * float(r[2]) / (312e12 * 0.4 * 3600):.5g}", r[3]) for r in ROWS]
    mapping = ingest.Mapping(n_params="params", loss="loss", n_tokens="tokens", compute_flops="compute",
                             run_name="name")
    f = next(f for f in findings(csv(rows, header="name,params,tokens,compute,loss"), mapping)
             if f.code == "compute_unit")
    assert "GPU-hours" in f.message and "leave compute unmapped" in f.message and "  " not in f.message
    fine = next(f for f in findings(pf_days(ROWS), M_C, "FLOPs") if f.code == "compute_unit")   # PF-days: exact
    assert "GPU-hours" not in fine.message
