"""Properties of the figure builders (built without plotly's validation, so checked here):
log axes where asked, named traces with hover text, nothing non-positive on a log axis, and a
figure plotly accepts when it validates it and serialises it."""
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from scaling_explorer import figures


def _validated(fig):
    """Rebuild through plotly's validating constructor (raises on any invalid property), after
    checking the figure serialises to JSON the way Streamlit sends it."""
    assert json.loads(fig.to_json())["data"]
    go.Figure(fig.to_dict())
    return fig


def test_curves_figure_axes_traces_and_marker():
    x = np.logspace(0, 3, 20)
    fig = figures.curves_figure([{"name": "law A", "citation": "Paper 2024", "locator": "Eq. 1", "x": x,
                                  "y": np.r_[-1.0, x[1:] ** -0.5], "point": (10.0, 10 ** -0.5)}],
                                "Title", "Steps", "Loss", ylog=True, marker_x=10.0)
    v = _validated(fig)
    assert v.layout.xaxis.type == "log" and v.layout.yaxis.type == "log"
    assert v.layout.xaxis.title.text == "Steps" and v.layout.yaxis.title.text == "Loss"
    line, star = v.data
    assert line.name == "law A (Paper 2024)" and "Eq. 1" in line.hovertemplate
    assert np.all(np.asarray(line.y) > 0) and len(line.y) == 19          # the negative point is dropped on a log axis
    assert star.marker.symbol == "star" and not star.showlegend
    assert v.layout.shapes[0].x0 == 10.0 and v.layout.shapes[0].yref == "paper"
    assert v.layout.template.layout.plot_bgcolor == "white"


def test_frontier_figure_with_runs_band_and_reference_line():
    C = np.logspace(20, 24, 10)
    curves = [{"name": "Chinchilla", "citation": "Hoffmann et al. 2022", "locator": "Eq. 10", "C": C,
               "tokens_per_param": np.full(10, 20.0)}]
    runs = pd.DataFrame({"model": ["M"], "organisation": ["Org"], "year": [2024], "total_params": [7e9],
                         "active_params": [np.nan], "training_tokens": [2e12], "training_compute_flops": [np.nan],
                         "locator": ["Table 1"]})
    bands = {"Chinchilla": (np.full(10, 15.0), None, np.full(10, 25.0))}
    fig = figures.frontier_figure(curves, "tokens_per_param", "t", reference_ratio=20, marker_C=1e22, bands=bands,
                                  runs=figures.runs_for_overlay(runs))
    v = _validated(fig)
    names = [t.name for t in v.data]
    assert names == ["Chinchilla: 95% band", "Chinchilla (Hoffmann et al. 2022)", "documented training runs",
                     "20 tokens/param rule of thumb"]
    run = v.data[2]
    assert run.x[0] == pytest.approx(6 * 7e9 * 2e12) and run.customdata[0][0] == "M"
    assert v.layout.yaxis.type == "log" and len(v.layout.shapes) == 1


def test_comparison_and_residual_figures_validate():
    side = pd.DataFrame({"law": ["a", "b"], "paper": ["P1", "P2"], "N*": [1e9, 2e9], "D*": [2e10, 3e10],
                         "D*/N*": [20.0, 15.0]})
    v = _validated(figures.comparison_figure(side))
    assert v.layout.yaxis.type == "category" and v.layout.yaxis.range[0] > v.layout.yaxis.range[1]   # first on top
    assert list(v.data[0].y) == ["a (P1)", "b (P2)"]
    # the row labels are written above the markers, not as tick labels that take a phone's width
    assert not v.layout.yaxis.showticklabels and [a.text for a in v.layout.annotations] == ["a (P1)", "b (P2)"]
    long = pd.DataFrame({"law": ["Kaplan compute-efficient allocation (N* rule; other from budget)"],
                         "paper": ["Kaplan et al. 2020"], "N*": [1e9], "D*": [2e10], "D*/N*": [20.0],
                         "convention": ["M, non-embedding FLOPs per token (N shown as M/6)"]})
    label = _validated(figures.comparison_figure(long)).layout.annotations[0].text
    assert all(len(line) <= figures.LABEL_WRAP for line in label.replace("<i>", "").replace("</i>", "").split("<br>"))
    runs = pd.DataFrame({"compute_flops": [1e20, 1e21], "run_name": ["r1", "r2"]})
    r = _validated(figures.residuals_figure(runs, {"chinchilla": np.array([0.01, -0.02])}))
    assert list(r.data[0].y) == pytest.approx([1.0, -2.0]) and r.layout.shapes[0].y0 == 0


def test_legends_wrap_and_sit_below_the_axis_title_with_room_reserved():
    """Long law names are wrapped (a phone cut them at the right); the legend starts below the x-axis
    title whatever the number of entries (it overlapped the title on the laws page); few tick labels."""
    C = np.logspace(18, 27, 10)
    name = "DeepSeek LLM compute-optimal model/data scale [M, non-embedding FLOPs per token]"
    curves = [{"name": name if i == 0 else f"law {i}", "citation": "DeepSeek-AI 2024", "locator": "Eq. 4", "C": C,
               "N": C ** 0.5} for i in range(6)]
    few = _validated(figures.frontier_figure(curves[:1], "N", "t"))
    many = _validated(figures.frontier_figure(curves, "N", "t"))
    assert "<br>" in many.data[0].name and all(len(s) <= figures.LEGEND_WRAP for s in many.data[0].name.split("<br>"))
    for v in (few, many):
        plot_px = v.layout.height - v.layout.margin.t - v.layout.margin.b
        assert -v.layout.legend.y * plot_px >= figures._XAXIS_PX - 1      # the legend starts below the axis title
        assert v.layout.margin.b >= figures._XAXIS_PX and v.layout.margin.l >= figures.L_MARGIN_PX
    assert many.layout.height > few.layout.height and many.layout.xaxis.dtick == 2   # 9 decades: every other one
    assert few.layout.yaxis.dtick == 1                                                # 4.5 decades: every one


def test_the_validation_used_here_catches_a_bad_property():
    b = figures._Builder()
    b.add_trace(figures._scatter(x=[1.0, 2.0], y=[1.0, 2.0], colour="red"))
    with pytest.raises(ValueError, match="colour"):
        _validated(figures._layout(b, "t", "x", "y"))


def _every_builder():
    C = np.logspace(19, 23, 8)
    runs = pd.DataFrame({"compute_flops": C, "n_params": C ** 0.5, "n_tokens": C ** 0.5 / 6, "loss": 2 + C ** -0.05,
                         "run_name": [f"r{i}" for i in range(8)]})
    notable = pd.DataFrame({"model": ["M"], "organisation": ["Org"], "year": [2024], "total_params": [7e9],
                            "active_params": [np.nan], "training_tokens": [2e12], "training_compute_flops": [8e22],
                            "locator": ["Table 1"]})
    curve = {"name": "law", "citation": "P 2024", "locator": "Eq. 1"}
    yield figures.frontier_figure([{**curve, "C": C, "N": C ** 0.5}], "N", "t", marker_C=1e21,
                                  bands={"law": (C ** 0.49, None, C ** 0.51)}, runs=figures.runs_for_overlay(notable))
    yield figures.single_variable_figure([{**curve, "x": C, "loss": C ** -0.05, "xlabel": "N"}])
    yield figures.isoflop_figure({"N": C ** 0.5, "D": C ** 0.5, "loss": 2 + C ** -0.05, "N_opt": 1e10, "loss_opt": 2.1},
                                 "law", "P 2024", 1e22, U=1e10, fixed_N=C[3] ** 0.5)
    yield figures.runs_figure(runs, [{"name": "fit", "C": C, "loss": 2 + C ** -0.05}],
                              bands={"fit": (1.9 + C ** -0.05, None, 2.1 + C ** -0.05)})
    yield figures.residuals_figure(runs, {"fit": np.linspace(-0.01, 0.01, 8)})
    yield figures.observed_vs_fit_figure(C, 2 + C ** -0.05, 2 + C ** -0.05, "C", "loss", "form")
    yield figures.comparison_figure(pd.DataFrame({"law": ["a"], "paper": ["P"], "N*": [1e9], "D*": [2e10],
                                                  "D*/N*": [20.0]}))
    yield figures.curves_figure([{**curve, "x": C, "y": C ** -0.05, "point": (C[2], C[2] ** -0.05)}], "t", "x", "y",
                                marker_x=C[2])


def test_every_builder_sends_what_plotlys_validation_would():
    """Plotly's validating constructor silently rewrites shorthand (a bare string title, say); the
    unvalidated figures must already be in the form it would send, so nothing is dropped in the browser."""
    n = 0
    for fig in _every_builder():
        sent = json.loads(fig.to_json())
        validated = json.loads(go.Figure(fig.to_dict()).to_json())
        assert sent == validated, fig.layout.title.text
        n += 1
    assert n == 8


def test_frontier_panels_share_one_legend_that_the_marked_budget_does_not_change():
    """Laws page: four panels of the same laws drew four identical legends, and moving the marked
    budget redrew them all. One legend figure now carries the entries; it is independent of the budget."""
    import json
    C = np.logspace(18, 27, 30)
    curves = [{"name": f"law {i}", "citation": "Paper", "locator": "Eq. 1", "C": C, "N": C ** 0.5, "dash": "dot"}
              for i in range(3)]
    panel = figures.frontier_figure(curves, "N", "N*", reference_ratio=20.0, marker_C=1e22, legend=False)
    assert all(t.showlegend is False for t in panel.data)
    legend = figures.legend_figure(curves, 20.0)
    names = [t.name for t in legend.data]
    assert names == ["law 0 (Paper)", "law 1 (Paper)", "law 2 (Paper)", "20 tokens/param rule of thumb"]
    assert [t.line.dash for t in legend.data][:3] == ["dot"] * 3
    assert legend.layout.xaxis.visible is False and legend.layout.height < 150
    again = figures.frontier_figure(curves, "N", "N*", reference_ratio=20.0, marker_C=1e24, legend=False)
    assert json.dumps(figures.legend_figure(curves, 20.0).to_dict()) == json.dumps(legend.to_dict())
    assert again.to_dict()["layout"]["shapes"] != panel.to_dict()["layout"]["shapes"]
