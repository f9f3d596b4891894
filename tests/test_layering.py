"""The library imports neither Streamlit nor Plotly (except the app glue and the figure builders);
pages hold no SQL; lib builds no SQL from f-strings."""
import ast
import re

from conftest import ROOT

PKG = ROOT / "lib" / "scaling_explorer"
PLOTTING = {"figures.py"}


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        yield from (n.split(".")[0] for n in names)


def test_library_modules_import_neither_streamlit_nor_plotly():
    """Everything outside scaling_explorer.app (the Streamlit glue) and figures.py (Plotly) works in a
    notebook with only numpy, scipy, pandas and duckdb installed."""
    offenders = []
    for path in sorted(PKG.glob("*.py")):
        banned = {"streamlit"} if path.name in PLOTTING else {"streamlit", "plotly"}
        offenders += [f"{path.name}: {n}" for n in _imports(path) if n in banned]
    assert not offenders, offenders
    glue = sorted((PKG / "app").glob("*.py"))
    assert [p.name for p in glue if p.name != "__init__.py" and "streamlit" not in set(_imports(p))] == []


def test_no_sql_in_pages_and_no_formatted_sql_in_lib():
    for path in sorted((ROOT / "pages").glob("*.py")):
        assert not re.search(r"\b(SELECT|INSERT|DELETE|UPDATE)\b", path.read_text()), path.name
    sql_fstring = re.compile(r"""f["'][^"']*\b(SELECT|INSERT|DELETE|UPDATE|CREATE)\b""", re.I)
    for path in sorted((ROOT / "lib").rglob("*.py")):
        assert not sql_fstring.search(path.read_text()), f"{path.name} builds SQL with an f-string"


def test_pages_are_thin():
    """Pages wire URL state to widgets to library calls to figures: no maths, about 150 lines at most."""
    for path in sorted((ROOT / "pages").glob("*.py")):
        text = path.read_text()
        assert len(text.splitlines()) <= 160, (path.name, len(text.splitlines()))
        assert "import numpy" not in text or path.name == "fit.py", path.name   # fit.py: only a logspace grid
        assert not re.search(r"\bevaluate_loss\(|\ballocation\.", text), path.name
