"""Issue 13, 'a researcher's first hour': widget state that cannot drift from what is computed,
every visible choice in the link, numbers shown and exported in one format."""
import re

import pytest

from conftest import figures, run_page


def qp(at, key):
    v = at.query_params.get(key)
    return v[-1] if isinstance(v, list) else v


# ---- sliders that lie ---------------------------------------------------------------------------

class Browser:
    """What the browser shows for each slider. Streamlit sends a widget's value with the element
    only when it was assigned in that run (proto.set_value); otherwise the browser keeps the
    value it had if the widget was on screen in the previous run, and shows the element's default
    when it mounts the widget anew (the select_slider's first option, 1e18)."""

    def __init__(self):
        self.shown: dict[str, str] = {}

    def look(self, at) -> dict[str, tuple[str, str]]:
        """{widget key: (label the browser shows, label of the value the script uses)}."""
        now = {}
        for el in at.select_slider:
            p = el.proto
            if p.set_value:
                shown = p.raw_value[0]
            elif el.key in self.shown:
                shown = self.shown[el.key]
            else:
                shown = el.options[int(p.default[0])]
            now[el.key] = (shown, el.format_func(el.value))
        for el in at.slider:
            p = el.proto
            shown = p.value[0] if p.set_value else self.shown.get(el.key, p.default[0])
            now[el.key] = (shown, el.value)
        self.shown = {k: s for k, (s, _) in now.items()}
        return now


def _num(label: str) -> float:
    return float(label.split()[0])


def _texts(at) -> str:
    titles = [f["layout"].get("title", {}).get("text", "") for f in figures(at)]
    return " ".join(titles + [m.value for m in at.markdown])


def _check(at, browser: Browser, fam: str):
    from scaling_explorer.units import fmt_sci, human
    seen = browser.look(at)
    for key, (shown, used) in seen.items():
        assert shown == used, f"{fam}: slider {key} shows {shown} while the page computes with {used}"
    text = _texts(at)
    if "families.C" in seen:
        C = _num(seen["families.C"][0])
        assert qp(at, "C") in (None if C == 1e22 else fmt_sci(C),), (fam, qp(at, "C"), C)
        if fam in ("F3", "F6", "F7"):
            assert f"C = {fmt_sci(C)} FLOPs" in text, (fam, C, text[:300])
    if fam in ("F5", "F6"):
        N, D = _num(seen["families.N"][0]), _num(seen["families.D"][0])
        assert f"N = {human(N)}, D = {human(D)}" in text, (fam, N, D, text[:300])


@pytest.mark.parametrize("order", [("F7", "F1", "F5", "F3"), ("F3", "F6", "F1", "F7", "F5", "F6"),
                                   ("F5", "F1", "F6", "F3", "F4", "F7", "F3"), ("F6", "F9", "F5", "F1", "F6")])
def test_family_sliders_show_the_value_the_chart_uses_in_any_order(order):
    """Old main: F7 → F1 → F5 → F3 left the compute slider showing 1e18 beside a chart at 1e22 (or the
    value in the link), F5 showed 1e7 / 1e9 beside 'N = 1 B, D = 31.6 B', and the next nudge wrote
    1.26e18 into the link."""
    at = run_page("families", fam=order[0], C="1e24", N="3.16e9")
    browser = Browser()
    _check(at, browser, order[0])
    for fam in order[1:]:
        at.selectbox(key="families.fam").set_value(fam).run()
        assert not at.exception
        _check(at, browser, fam)
    # a nudge from what the browser shows: one step right of the shown compute, in the link
    at.selectbox(key="families.fam").set_value("F3").run()
    _check(at, browser, "F3")
    el = at.select_slider(key="families.C")
    grid = [round(18.0 + i * 0.1, 6) for i in range(91)]          # the compute field's options
    assert el.options == [el.format_func(g) for g in grid]
    i = el.options.index(browser.shown["families.C"]) + 1
    browser.shown["families.C"] = el.options[i]                     # the user moves it one step
    el.set_value(grid[i]).run()
    _check(at, browser, "F3")
    assert qp(at, "C") == "1.26e24"            # old main: 1.26e18


def test_f1_variable_choice_round_trips_through_the_link():
    at = run_page("families", fam="F1", var="N")
    assert at.radio(key="families.var").value == "N"
    assert "Loss vs N" in _texts(at)
    at.radio(key="families.var").set_value("D").run()
    assert qp(at, "var") == "D" and "Loss vs D" in _texts(at)
    at.radio(key="families.var").set_value("C").run()      # the default: dropped from the link
    assert qp(at, "var") is None and qp(at, "fam") == "F1"
    # away to another family and back: the choice made on F1 is still what F1 shows
    at.radio(key="families.var").set_value("N").run()
    for fam in ("F3", "F5"):           # two runs without the radio: Streamlit drops its widget state
        at.selectbox(key="families.fam").set_value(fam).run()
        assert qp(at, "var") == "N"
    at.selectbox(key="families.fam").set_value("F1").run()
    radio = at.radio(key="families.var")
    assert radio.value == "N" and radio.proto.set_value and radio.proto.raw_value == "N"   # sent to the browser
    assert "Loss vs N" in _texts(at)


# ---- every visible choice in the link ---------------------------------------------------------

def test_data_filter_and_view_round_trip_through_the_link():
    """Old main: the Data page's filter text was not in the link, so a shared link lost it."""
    at = run_page("data", view="runs")
    everything = len(at.dataframe[0].value)
    at.text_input(key="data.filter").set_value("Chinchilla").run()
    assert qp(at, "filter") == "Chinchilla" and qp(at, "view") == "runs"
    again = run_page("data", view="runs", filter="Chinchilla")
    assert again.text_input(key="data.filter").value == "Chinchilla"
    rows = again.dataframe[0].value
    assert 1 <= len(rows) < everything and rows["model"].str.contains("Chinchilla").any()
    assert not [w for w in again.warning if "link parameters" in w.value]
    at.text_input(key="data.filter").set_value("").run()          # cleared: dropped from the link
    assert qp(at, "filter") is None
    long = run_page("data", filter="x" * 150)
    assert long.text_input(key="data.filter").value == "x" * 100
    assert any("longer than 100 characters" in w.value for w in long.warning)


def test_data_table_and_registry_choices_survive_switching_views():
    at = run_page("data", view="tables", table="kaplan2020_table5")
    at.radio(key="data.view").set_value("runs").run()
    assert qp(at, "table") == "kaplan2020_table5"
    at.radio(key="data.view").set_value("tables").run()
    box = at.selectbox(key="data.table")
    assert box.value == "kaplan2020_table5" and box.proto.set_value      # the browser is told, not left at 0
    from scaling_explorer.registry import load_registry
    ids = list(load_registry())
    reg = run_page("data", view="datasets")
    reg.selectbox(key="data.reg").set_value(ids[1]).run()
    assert qp(reg, "reg") == ids[1]
    assert run_page("data", view="datasets", reg=ids[1]).selectbox(key="data.reg").value == ids[1]


# ---- raw values -------------------------------------------------------------------------------

def test_data_runs_show_one_format_per_quantity_and_a_dash_for_missing():
    """Old main: 2.31e+22 beside 641000000000000000000 in one column, and None for a missing value."""
    df = run_page("data", view="runs").dataframe[0].value
    cells = df.astype(str).to_numpy().ravel().tolist()
    assert not [c for c in cells if c in ("None", "nan", "NaN", "<NA>")]
    assert not [c for c in cells if re.fullmatch(r"\d{10,}(\.0)?", c)]
    flops = [c for c in df["training_compute_flops"] if c != "—"]
    assert flops and all(re.fullmatch(r"\d(\.\d+)?e\d+", c) for c in flops), flops[:5]
    gpt3 = df[df["model"] == "GPT-3 Medium"].iloc[0]
    assert gpt3["training_compute_flops"] == "6.41e20" and gpt3["active_params"] == "—"


def test_table_notes_render_stored_text_as_written():
    """Old main: the ParScale table's locator '(__main__ data)' rendered as bold 'main'."""
    at = run_page("data", view="tables", table="chen2025_parscale_fit_points")
    head = next(m.value for m in at.markdown if "parametric" in m.value)
    assert r"\_\_main\_\_" in head
    from scaling_explorer.app.widgets import md
    assert md("R_N*, $N_p$ [x]") == r"R\_N\*, \$N\_p\$ \[x\]"


def test_families_members_table_shows_the_form_name_not_latex():
    for fam in ("F1", "F2", "F6"):
        forms = run_page("families", fam=fam).dataframe[-1].value["form"]
        assert not [f for f in forms if "\\" in f or "$" in f or "{" in f], list(forms)


def test_csv_export_of_a_page_writes_short_numbers(downloads):
    """Old main: the published-laws CSV wrote 5.760000000000009e+23 for the Gopher budget."""
    at = run_page("laws", laws="hoffmann2022-eq10,deepseek2024-alloc", C="5.76e23")
    table = at.dataframe[0].value
    assert table["C (FLOPs)"].dtype.kind == "f" and table["N*"].dtype.kind == "f"    # still numbers
    assert "—" in set(table["loss (nats/token)"])          # DeepSeek allocates only: a dash, not None
    text = downloads["Numbers on screen (CSV)"]
    assert "5.76e+23" in text and "5.760000000000009e+23" not in text
    assert not re.search(r"\d\.\d{13,}", text), text[:400]
    data = run_page("data", view="runs")
    assert data and "641000000000000000000" not in downloads["Download runs (CSV)"]


def test_fit_backtest_cutoff_is_formatted():
    """The back-test caption names its cutoff to 3 significant digits (old main: 316227766016837940000)."""
    at = run_page("fit")
    text = " ".join(c.value for c in at.caption)
    assert "FLOPs) and predicts" in text
    assert not re.search(r"\d{12,}", text)


# ---- defaults on verified laws --------------------------------------------------------------------

def test_every_page_opens_on_verified_laws_only(laws):
    home = run_page("laws")
    assert home.multiselect[0].value and all(laws[s].verified for s in home.multiselect[0].value)
    planner = run_page("planner")
    assert laws[planner.selectbox[0].value].verified, planner.selectbox[0].value
    picked = planner.multiselect[0].value
    assert picked and all(laws[s].verified for s in picked)
    fit = run_page("fit")
    compare = [m for m in fit.multiselect if m.label.startswith("Compare the allocation")][0].value
    assert compare and all(laws[s].verified for s in compare)
    assert not [i for at in (home, planner, fit) for i in at.info if "written when the default" in i.value]


def test_a_link_written_before_the_default_changed_reopens_the_same_view():
    # a link shared before 2026-12 (default law: the unrounded Eq. 10, so the link omits it)
    at = run_page("planner", C="5.76e23")
    assert at.selectbox[0].value == "hoffmann2022-eq10-unrounded"
    assert "hoffmann2022-eq10-unrounded" in at.multiselect[0].value
    assert any("written when the default was Chinchilla Approach 3 (unrounded, TeX source), so" in i.value
               for i in at.info)                               # named as the page names it, not by slug
    assert not [w for w in at.warning if "link parameters" in w.value]
    assert qp(at, "law") == "hoffmann2022-eq10-unrounded"      # the address bar now names it
    old_home = run_page("laws", C="1e22")
    assert old_home.multiselect[0].value[0] == "hoffmann2022-eq10-unrounded"
    # a link written now names the law even when it is the default
    now = run_page("planner")
    now.select_slider[0].set_value(24.0).run()
    assert qp(now, "law") == "besiroglu2024-refit" and qp(now, "C") == "1e24"
