"""The published store (provenance, deterministic build) and the user store (atomic imports)."""
import json
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from scaling_explorer import store


def test_every_law_and_table_has_source_and_locator(pub_con):
    laws = store.laws_df(pub_con)
    assert len(laws) >= 10
    assert laws["locator"].str.strip().str.len().gt(0).all()
    assert laws["citation"].notna().all() and laws["url"].str.startswith("https://arxiv.org/abs/").all()
    unverified = laws[~laws["verified"].astype(bool)]
    assert unverified["check"].str.contains("UNVERIFIED").all()
    tables = store.tables_df(pub_con)
    assert tables["locator"].str.len().gt(0).all() and tables["citation"].notna().all()


def test_published_laws_required_by_the_foundation_are_present(laws):
    for slug in ("hoffmann2022-eq10", "hoffmann2022-eq10-unrounded", "besiroglu2024-refit", "kaplan2020-ln",
                 "kaplan2020-ld", "kaplan2020-lcmin", "muennighoff2023-c4", "deepseek2024-alloc"):
        assert slug in laws
    assert laws["hoffmann2022-eq10"].p == {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def test_hoffmann_table3_is_consistent_with_6nd(pub_con):
    t = store.table_rows(pub_con, "hoffmann2022_table3")
    assert list(t.columns[:4]) == ["parameters", "flops", "flops_gopher_units", "tokens"]
    assert len(t) == 9
    N, C, D = (t[c].astype(float).to_numpy() for c in ("n_params", "compute_flops", "n_tokens"))
    # printed to 3 significant figures; C = 6ND holds to that rounding (400M row: 6*4e8*8e9 = 1.92e19)
    assert np.allclose(6 * N * D, C, rtol=0.06)
    assert t.loc[t["parameters"] == "67 Billion", "flops"].item() == "5.76e+23"


def test_rebuild_is_deterministic(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    assert store.build_published(a) == store.build_published(b)
    with duckdb.connect(str(a), read_only=True) as ca, duckdb.connect(str(b), read_only=True) as cb:
        assert store.store_checksum(ca) == store.store_checksum(cb)


@pytest.fixture
def copied_store(tmp_path):
    """A copy of data/ and a store built from it, with the store's checksum."""
    data = tmp_path / "data"
    shutil.copytree(store.DATA_DIR, data)
    db = tmp_path / "p.duckdb"
    store.ensure_published(db, data)
    with duckdb.connect(str(db), read_only=True) as con:
        return data, db, store.store_checksum(con)


def test_rebuilds_when_sources_change(copied_store):
    data, db, before = copied_store
    text = (data / "laws.toml").read_text().replace('name = "Kaplan L(N), converged, data-unlimited"',
                                                    'name = "Kaplan L(N) renamed"')
    (data / "laws.toml").write_text(text)
    store.ensure_published(db, data)
    with duckdb.connect(str(db), read_only=True) as con:
        assert store.store_checksum(con) != before
        assert con.execute("SELECT name FROM laws WHERE slug = 'kaplan2020-ln'").fetchone()[0] == "Kaplan L(N) renamed"


def test_bad_source_file_fails_the_build_and_keeps_the_old_store(copied_store):
    data, db, before = copied_store
    (data / "laws.toml").write_text((data / "laws.toml").read_text() + '\n[[law]]\nslug = "x"\nname = "x"\n'
                                    'form = "chinchilla"\nsource = "nobody"\nlocator = "Eq. 1"\nparams = { E = 1 }\n')
    with pytest.raises(ValueError, match="unknown source"):
        store.ensure_published(db, data)
    with duckdb.connect(str(db), read_only=True) as con:
        assert store.store_checksum(con) == before


def _runs(n=8, seed=0):
    rng = np.random.default_rng(seed)
    N = np.logspace(7, 9, n)
    D = 20 * N
    return pd.DataFrame({"run_name": [f"r{i}" for i in range(n)], "n_params": N, "n_tokens": D,
                         "compute_flops": 6 * N * D, "loss": 2 + rng.random(n)})


def test_import_is_content_addressed_and_idempotent(tmp_path):
    con = store.connect_user(tmp_path / "u.duckdb")
    r1 = store.import_runs(con, _runs(), "a")
    r2 = store.import_runs(con, _runs(), "a again")
    assert r1.created and not r2.created and r1.dataset_id == r2.dataset_id
    assert len(store.get_runs(con, r1.dataset_id)) == 8
    assert store.import_runs(con, _runs(seed=1), "b").dataset_id != r1.dataset_id


def test_interrupted_import_leaves_store_as_it_was(tmp_path):
    con = store.connect_user(tmp_path / "u.duckdb")
    store.import_runs(con, _runs(), "kept")
    before = store.store_checksum(con)
    with pytest.raises(RuntimeError, match="simulated"):
        store.import_runs(con, _runs(seed=2), "half", _fail_after_dataset_row=True)
    assert store.store_checksum(con) == before
    assert len(store.list_datasets(con)) == 1


def test_user_text_is_stored_as_data_not_sql(tmp_path):
    con = store.connect_user(tmp_path / "u.duckdb")
    name = "x'); DROP TABLE runs; --"
    r = store.import_runs(con, _runs(), name, note="<script>alert(1)</script>")
    assert store.dataset_name(con, r.dataset_id) == name
    assert len(store.get_runs(con, r.dataset_id)) == 8


def test_store_counts_and_families(pub_con):
    laws = store.laws_df(pub_con)
    # issue targets: >= 30 laws from >= 20 papers covering >= 12 families (here 79, 20, all of F1-F12)
    assert len(laws) >= 75
    assert laws["source"].nunique() >= 20
    assert laws["family"].str.match(r"^F\d+$").all()
    assert set(laws["family"]) == {f"F{i}" for i in range(1, 13)}
    runs = store.notable_runs_df(pub_con)
    assert len(runs) >= 60 and runs["organisation"].nunique() >= 15
    assert (runs["url"].str.len() > 0).all() and (runs["quote"].str.len() > 0).all()
    # where both are stated, compute is close to 6ND for dense models of 1B parameters and more
    # (below that, attention and embedding FLOPs push Cerebras-GPT's stated compute to 1.8x 6ND)
    dense = runs[runs["active_params"].isna() & runs["training_compute_flops"].notna() & runs["training_tokens"].notna()
                 & (runs["total_params"] >= 1e9)]
    ratio = dense["training_compute_flops"] / (6 * dense["total_params"] * dense["training_tokens"])
    assert len(dense) >= 5 and ratio.between(0.6, 1.6).all(), dense[["model"]].assign(ratio=ratio)


def test_henighan_and_llama3_laws_evaluate_as_printed(laws):
    from scaling_explorer import allocation
    from scaling_explorer.laws import evaluate_1d
    lc = laws["henighan2020-image-8x8-lc"]
    # Table 1: L(C) = 3.13 + (C / 1.8e-8 PF-days)^-0.19; at C = C_0 the loss is L_inf + 1
    assert float(evaluate_1d(lc, 1.8e-8 * 8.64e19)) == pytest.approx(4.13)
    nopt = laws["henighan2020-image-8x8-nopt"]
    N = allocation.compute_optimal(nopt, 8.64e19)["N"][0]            # 1 PF-day
    assert N == pytest.approx((1 / 5.3e-14) ** 0.64)
    d = allocation.compute_optimal(laws["llama3-2024-optimal-tokens"], 1e24)
    # the figure's (A, alpha) = (0.299, 0.537), which reproduce the paper's 402B / 16.55T example
    assert d["D"][0] == pytest.approx(0.299 * 1e24 ** 0.537) and 6 * d["N"][0] * d["D"][0] == pytest.approx(1e24)


def test_shen_table3_rows_match_the_stored_laws(pub_con, laws):
    table = store.table_rows(pub_con, "shen2024_table3")
    assert len(table) == 4
    for _, r in table.iterrows():
        key = r["architecture"].lower()
        loss, alloc = laws[f"shen2024-loss-{key}"].p, laws[f"shen2024-linear-{key}"].p
        assert (loss["k"], loss["a"]) == (float(r["L_coeff"]), float(r["L_exp"]))
        assert (alloc["k_N"], alloc["a_N"], alloc["k_D"], alloc["a_D"]) == tuple(
            float(r[c]) for c in ("Nopt_coeff", "Nopt_exp", "Dopt_coeff", "Dopt_exp"))
        # the numeric columns say what the printed strings say
        import re
        lk, le = re.fullmatch(r"([\d.]+)C\^(-[\d.]+)", r["L_of_C_printed"]).groups()
        assert (float(lk), float(le)) == (float(r["L_coeff"]), float(r["L_exp"]))
        for col, kc, ec in (("Nopt_of_C_printed", "Nopt_coeff", "Nopt_exp"), ("Dopt_of_C_printed", "Dopt_coeff", "Dopt_exp")):
            m, e, ex = re.fullmatch(r"\(([\d.]+) × 10\^(\d+)\)C\^([\d.]+)", r[col]).groups()
            assert (float(m) * 10 ** int(e), float(ex)) == pytest.approx((float(r[kc]), float(r[ec])))


def test_every_evaluable_law_states_its_domain(pub_con):
    # a structured range where the paper gives one, otherwise a domain text saying what it does state
    laws = store.laws_df(pub_con)
    evaluable = laws[laws["form"] != "reference"]
    ranged = evaluable[[c for c in evaluable if c.endswith("_range_json")]].apply(
        lambda row: any(json.loads(v) for v in row), axis=1)
    missing = evaluable[~ranged & (evaluable["domain"].str.strip() == "")]
    assert missing.empty, list(missing["slug"])
