"""The in-place chart component (scaling_explorer.app.charts): what it sends, when it falls back."""
import json
from pathlib import Path

import plotly
from streamlit.testing.v1 import AppTest

from conftest import charts, figures
from scaling_explorer import figures as figs
from scaling_explorer.app import charts as in_place


def _frontier(marker_C: float, scale: float = 1.0):
    import numpy as np
    C = np.logspace(18, 27, 30)
    return figs.frontier_figure([{"name": "law", "citation": "Paper", "locator": "Eq. 1", "C": C, "N": scale * C ** 0.5}],
                                "N", "N*(C)", marker_C=marker_C)


def test_datarevision_follows_the_traces_not_the_layout():
    a, b = in_place.payload(_frontier(1e22)), in_place.payload(_frontier(1e23))
    rev = lambda p: json.loads(p["layout"])["datarevision"]
    assert a["data"] == b["data"] and rev(a) == rev(b)                 # only the marker moved: no recompute
    assert json.loads(a["layout"])["shapes"] != json.loads(b["layout"])["shapes"]
    c = in_place.payload(_frontier(1e22, scale=2.0))
    assert c["data"] != a["data"] and rev(c) != rev(a)                 # new traces: Plotly recomputes them


def test_the_served_plotly_is_the_installed_package_s_own():
    assert in_place.asset_ready()
    served = in_place.STATIC / in_place.ASSET
    assert served.exists() and plotly.__version__ in in_place.ASSET
    assert served.read_bytes() == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    assert in_place.payload(_frontier(1e22))["src"] == f"/app/static/{in_place.ASSET}"


def _app():
    from scaling_explorer import figures as f
    from scaling_explorer.app import charts as c
    import numpy as np
    C = np.logspace(18, 27, 30)
    c.plotly_chart(f.frontier_figure([{"name": "law", "citation": "P", "locator": "Eq. 1", "C": C, "N": C ** 0.5}],
                                     "N", "N*(C)", marker_C=1e22), key="one", config={"displaylogo": False})


def test_a_page_chart_carries_its_figure_and_falls_back_without_the_component(monkeypatch):
    monkeypatch.setattr(in_place, "_component", in_place._component or in_place._register())   # opt-in: on
    at = AppTest.from_function(_app).run()
    assert not at.exception
    assert [e.proto.component_name for e in charts(at)] == [in_place.NAME]
    (fig,) = figures(at)
    assert fig["data"][0]["name"].startswith("law") and fig["layout"]["shapes"][0]["x0"] == 1e22
    monkeypatch.setattr(in_place, "_component", None)                 # the default, or static/ not writable
    at = AppTest.from_function(_app).run()
    assert not at.exception and len(at.get("plotly_chart")) == 1 and not at.get("bidi_component")
    assert figures(at)[0]["layout"]["shapes"][0]["x0"] == 1e22
