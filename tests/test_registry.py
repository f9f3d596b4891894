"""The run-dataset registry: fetch from a server on 127.0.0.1 serving ../shared/data/published,
verify the checksum, cache, import; offline or tampered downloads change nothing."""
import dataclasses

import numpy as np
import pytest

from conftest import serve_shared
from scaling_explorer import registry, store


@pytest.fixture(scope="module")
def mirror():
    yield from serve_shared(("chinchilla_epoch2024", "svg_extracted_data.csv"))


def test_registry_lists_plain_public_datasets_with_licences():
    reg = registry.load_registry()
    assert len(reg) >= 3
    for e in reg.values():
        assert e.format == "csv" and len(e.sha256) == 64 and e.licence and e.url.startswith("https://")
        assert {"n_params", "loss"} <= set(e.mapping)


def test_fetch_verify_cache_and_import(mirror, fresh):
    reg = registry.load_registry()
    res = registry.fetch_and_import(reg["epoch-chinchilla-2024"], fresh, mirror)
    runs = store.get_runs(fresh, res.dataset_id)
    assert res.created and len(runs) == 245
    assert np.allclose(runs["n_tokens"] * runs["n_params"] * 6, runs["compute_flops"], rtol=1e-12)
    assert (registry.cache_dir() / f"{reg['epoch-chinchilla-2024'].sha256}.csv").exists()
    # the second time comes from the cache: no server needed
    again = registry.fetch_and_import(reg["epoch-chinchilla-2024"], fresh, "http://127.0.0.1:9")
    assert again.dataset_id == res.dataset_id and not again.created
    opt = registry.fetch_and_import(reg["porian-2024-isoflop-optima"], fresh, mirror)
    assert opt.n_rows == 173                  # 177 optima, 4 without a minimum dropped


def test_checksum_mismatch_is_rejected_and_nothing_changes(mirror, fresh):
    entry = dataclasses.replace(registry.load_registry()["porian-2024-isoflop-points"], sha256="0" * 64)
    before = store.store_checksum(fresh)
    with pytest.raises(registry.RegistryError, match="Checksum mismatch"):
        registry.fetch_and_import(entry, fresh, mirror)
    assert store.store_checksum(fresh) == before
    assert not list(registry.cache_dir().glob("*.csv"))


def test_offline_says_so_and_nothing_changes(fresh):
    entry = registry.load_registry()["porian-2024-isoflop-points"]
    before = store.store_checksum(fresh)
    with pytest.raises(registry.RegistryError, match="offline"):
        registry.fetch_and_import(entry, fresh, "http://127.0.0.1:9")       # nothing listens on port 9
    assert store.store_checksum(fresh) == before


def test_command_line(mirror, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCALING_EXPLORER_VAR", str(tmp_path))
    assert registry.main(["fetch", "epoch-chinchilla-2024", "--mirror", mirror]) == 0
    assert "imported dataset" in capsys.readouterr().out
    assert registry.main(["fetch", "nope"]) == 2
    assert registry.main(["fetch", "porian-2024-isoflop-points", "--mirror", "http://127.0.0.1:9"]) == 1
    assert "offline" in capsys.readouterr().out
