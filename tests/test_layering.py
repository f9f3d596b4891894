"""lib is importable without Streamlit, except the one glue module; pages hold no SQL."""
import ast
import re

from conftest import ROOT


# The Streamlit glue (cached calls, URL-bound widgets, exports, the family views' widgets) and the
# Plotly figure builders; every other library module is importable with neither installed.
GLUE = {"cache.py", "widgets.py", "exports.py", "family_views.py"}
PLOTTING = {"figures.py"}


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        yield from (n.split(".")[0] for n in names)


def test_library_modules_import_neither_streamlit_nor_plotly():
    offenders = []
    for path in sorted((ROOT / "lib").glob("*.py")):
        banned = set() if path.name in GLUE else {"streamlit"} if path.name in PLOTTING else {"streamlit", "plotly"}
        offenders += [f"{path.name}: {n}" for n in _imports(path) if n in banned]
    assert not offenders, offenders
    # and the glue really is the only place that knows Streamlit
    assert all("streamlit" in set(_imports(ROOT / "lib" / name)) for name in GLUE)


def test_no_sql_in_pages_and_no_formatted_sql_in_lib():
    for path in sorted((ROOT / "pages").glob("*.py")):
        assert not re.search(r"\b(SELECT|INSERT|DELETE|UPDATE)\b", path.read_text()), path.name
    sql_fstring = re.compile(r"""f["'][^"']*\b(SELECT|INSERT|DELETE|UPDATE|CREATE)\b""", re.I)
    for path in sorted((ROOT / "lib").glob("*.py")):
        assert not sql_fstring.search(path.read_text()), f"{path.name} builds SQL with an f-string"
