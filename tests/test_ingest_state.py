"""Upload parsing and URL decoding: clear messages for bad input, defaults for junk links."""
import math

import pytest

from scaling_explorer import ingest
from scaling_explorer.state import Field, decode, encode

GOOD = b"name,params,tokens,loss\n" + b"".join(
    f"r{i},{1e7 * 2 ** i:.6g},{2e8 * 2 ** i:.6g},{3.5 - 0.1 * i}\n".encode() for i in range(8))


def _load(data: bytes, **mapping):
    df = ingest.read_table(data)
    m = ingest.guess_mapping(df.columns) | mapping
    return ingest.normalise(df, ingest.Mapping(n_params=m["n_params"], loss=m["loss"], n_tokens=m["n_tokens"],
                                               compute_flops=m["compute_flops"], run_name=m["run_name"]))


def test_good_csv_is_normalised_with_compute():
    runs = _load(GOOD)
    assert len(runs) == 8
    assert runs["compute_flops"].iloc[0] == pytest.approx(6 * 1e7 * 2e8)
    assert runs["run_name"].iloc[0] == "r0"


def test_semicolon_csv_and_compute_only():
    data = GOOD.replace(b",", b";").replace(b"tokens", b"flops")
    runs = _load(data)
    assert runs["n_tokens"].iloc[0] == pytest.approx(2e8 / (6 * 1e7))


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty"),
    (b"\xff\xfe\x00bad", "UTF-8"),
    (b"params\n1\n2\n", "one column"),
    (b"params,params,loss\n1,2,3\n", "duplicated"),
    (b"params,tokens,loss\n", "no runs"),
])
def test_unreadable_files_say_what_to_fix(data, fragment):
    with pytest.raises(ingest.IngestError, match=fragment):
        ingest.read_table(data)


def test_file_over_cap_is_refused():
    with pytest.raises(ingest.IngestError, match="limit"):
        ingest.read_table(b"a,b\n" + b"1,2\n" * 100, max_bytes=50)


@pytest.mark.parametrize("edit, fragment", [
    (lambda s: s.replace("3.5", "abc"), "non-numeric"),
    (lambda s: s.replace("3.5", "nan"), "NaN"),
    (lambda s: s.replace("3.5", "-3.5"), "zero or negative"),
    (lambda s: s.replace("1e+07", "0"), "zero or negative"),
    (lambda s: s.replace("3.5", "=cmd|' /C calc'!A0"), "formula"),
    (lambda s: "\n".join(s.splitlines()[:4]) + "\n", "at least"),
])
def test_bad_values_say_what_to_fix(edit, fragment):
    with pytest.raises(ingest.IngestError, match=fragment):
        _load(edit(GOOD.decode()).encode())


def test_missing_or_misnamed_columns():
    with pytest.raises(ingest.IngestError, match="tokens"):
        _load(GOOD.replace(b"tokens", b"something"))
    with pytest.raises(ingest.IngestError, match="not in the file"):
        _load(GOOD, loss="val_loss")


FIELDS = (
    Field("law", "choice", "a", choices=("a", "b")),
    Field("C", "log10", 23.0, lo=18.0, hi=27.0, step=0.1),
    Field("U", "log10", math.inf, lo=9.0, hi=15.0, step=0.1, allow_inf=True),
    Field("laws", "multi", ("a",), choices=("a", "b", "c")),
    Field("gpus", "int", 8, lo=1, hi=1000),
    Field("mfu", "float", 0.4, lo=0.01, hi=1.0),
)


def test_url_round_trip_of_non_defaults():
    vals = {"law": "b", "C": 21.0, "U": math.log10(2.5e10), "laws": ("b", "c"), "gpus": 64, "mfu": 0.5}
    enc = encode(vals, FIELDS)
    assert enc == {"law": "b", "C": "1e21", "U": "2.5e10", "laws": "b,c", "gpus": "64", "mfu": "0.5"}
    dec, notices = decode({k: [v] for k, v in enc.items()}, FIELDS)
    assert notices == []
    assert dec["law"] == "b" and dec["C"] == 21.0 and dec["laws"] == ("b", "c") and dec["gpus"] == 64
    assert 10 ** dec["U"] == pytest.approx(2.5e10)
    assert encode(dict(dec), FIELDS) == enc
    assert encode({f.key: f.default for f in FIELDS}, FIELDS) == {}


@pytest.mark.parametrize("params, key, expected", [
    ({"law": ["'; DROP TABLE laws; --"]}, "law", "a"),
    ({"law": ["<script>alert(1)</script>"]}, "law", "a"),
    ({"C": ["1e40"]}, "C", 27.0),
    ({"C": ["-5"]}, "C", 23.0),
    ({"C": ["nan"]}, "C", 23.0),
    ({"C": ["x" * 5000]}, "C", 23.0),
    ({"gpus": ["1.5"]}, "gpus", 8),
    ({"gpus": ["-3"]}, "gpus", 1),
    ({"laws": ["zzz,b"]}, "laws", ("b",)),
    ({"laws": ["zzz"]}, "laws", ("a",)),
    ({"U": ["unlimited"]}, "U", math.inf),
])
def test_hostile_or_out_of_range_values_fall_back_with_a_notice(params, key, expected):
    dec, notices = decode(params, FIELDS)
    assert dec[key] == expected
    if not (key == "U"):
        assert notices, "a notice must say what was ignored or clamped"


def test_unknown_and_repeated_keys_are_reported():
    dec, notices = decode({"bogus": ["1"], "law": ["a", "b"], "embed": ["true"]}, FIELDS)
    assert dec["law"] == "b"
    assert any("unknown URL parameter 'bogus'" in n for n in notices)
    assert any("2 times" in n for n in notices)
    assert not any("embed" in n for n in notices)


BAD_UPLOADS = {
    "empty": b"",
    "not utf-8": "params,tokens,loss\n1e8,2e9,3.1\n".encode("utf-16"),
    "one column": b"params\n1\n2\n3\n4\n5\n6\n7\n",
    "duplicate header": b"params,params,loss\n" + b"1e8,2e9,3\n" * 8,
    "text in numbers": GOOD.replace(b"3.5", b"three"),
    "NaN loss": GOOD.replace(b"3.5", b"NaN"),
    "inf tokens": GOOD.replace(b"2e+08", b"inf"),
    "zero params": GOOD.replace(b"1e+07", b"0"),
    "negative loss": GOOD.replace(b"3.5", b"-3.5"),
    "formula": GOOD.replace(b"3.5", b"=1+2"),
    "too few rows": b"\n".join(GOOD.splitlines()[:4]) + b"\n",
    "header only": b"params,tokens,loss\n",
    "loss not in nats": GOOD.replace(b"3.5", b"350"),
}


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_bad_upload_stores_nothing(tmp_path, name):
    from scaling_explorer import store
    con = store.connect_user(tmp_path / "u.duckdb")
    ingest.import_csv(con, GOOD, ingest.Mapping(n_params="params", loss="loss", n_tokens="tokens"), "kept")
    before = store.store_checksum(con)
    with pytest.raises(ingest.IngestError) as e:
        ingest.import_csv(con, BAD_UPLOADS[name], ingest.Mapping(n_params="params", loss="loss", n_tokens="tokens"),
                          "bad")
    assert len(str(e.value)) > 20   # a sentence that says what to fix
    assert store.store_checksum(con) == before


def test_compute_in_pf_days_is_converted_and_conventions_are_kept(tmp_path):
    import json
    from scaling_explorer import store
    data = GOOD.replace(b"tokens", b"pfdays")
    df = ingest.read_table(data)
    m = ingest.Mapping(n_params="params", loss="loss", compute_flops="pfdays", run_name="name")
    runs = ingest.normalise(df, m, compute_unit="PF-days")
    assert runs["compute_flops"].iloc[0] == pytest.approx(2e8 * 8.64e19)
    assert runs["n_tokens"].iloc[0] == pytest.approx(2e8 * 8.64e19 / (6 * 1e7))
    con = store.connect_user(tmp_path / "u.duckdb")
    res = ingest.import_csv(con, data, m, "pf", compute_unit="PF-days", param_convention="non-embedding")
    cols = json.loads(con.execute("SELECT source_columns FROM datasets WHERE id = ?", [res.dataset_id]).fetchone()[0])
    assert cols["units"] == {"compute_unit_in_file": "PF-days", "parameters": "non-embedding", "stored_compute": "FLOPs"}
    with pytest.raises(ingest.IngestError, match="compute unit"):
        ingest.normalise(df, m, compute_unit="GPU-hours")


def test_columns_only_import_reports_the_rows_it_stored(tmp_path):
    """Issue 13: 'Imported 0 rows' after every columns-only import (a loss curve: step, lr, loss)."""
    from scaling_explorer import store
    con = store.connect_user(tmp_path / "u.duckdb")
    curve = b"step,lr,loss\n" + b"".join(f"{s},{3e-4 * (1 - s / 1000):.6g},{2 + 3 / (1 + s / 50):.5f}\n".encode()
                                         for s in range(0, 1000, 50))
    res = ingest.import_csv(con, curve, None, "curve")
    assert res.created and res.n_rows == 20
    again = ingest.import_csv(con, curve, None, "curve again")
    assert not again.created and again.n_rows == 20
    assert store.list_datasets(con)["n_rows"].tolist() == [20]
    assert len(store.get_table(con, res.dataset_id)) == 20
