"""lib is importable without Streamlit, except the one glue module; pages hold no SQL."""
import ast
import re

from conftest import ROOT


def test_lib_modules_do_not_import_streamlit_except_ui():
    offenders = []
    for path in sorted((ROOT / "lib").glob("*.py")):
        if path.name == "ui.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "streamlit"]
    assert not offenders, offenders


def test_no_sql_in_pages_and_no_formatted_sql_in_lib():
    for path in sorted((ROOT / "pages").glob("*.py")):
        assert not re.search(r"\b(SELECT|INSERT|DELETE|UPDATE)\b", path.read_text()), path.name
    sql_fstring = re.compile(r"""f["'][^"']*\b(SELECT|INSERT|DELETE|UPDATE|CREATE)\b""", re.I)
    for path in sorted((ROOT / "lib").glob("*.py")):
        assert not sql_fstring.search(path.read_text()), f"{path.name} builds SQL with an f-string"
