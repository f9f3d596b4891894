"""The README's promises: its notebook example runs (as a doctest, with Streamlit and Plotly
unavailable) and its example links open the view they describe, with nothing in them ignored."""
import os
import re
import subprocess
import sys
from urllib.parse import parse_qsl, urlparse

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT

README = (ROOT / "README.md").read_text()
LINKS = re.findall(r"^- `(/[a-z]*\?[^`]+)`", README, re.M)
PAGES = {"": "laws", "planner": "planner", "fit": "fit", "laws": "laws", "families": "families", "data": "data"}


def test_readme_notebook_example_runs_without_streamlit_or_plotly():
    block = re.search(r"```pycon\n(.*?)```", README, re.S)
    assert block, "the README's notebook example (a ```pycon block) is missing"
    code = (
        "import sys, doctest\n"
        "sys.modules['streamlit'] = None\n"      # importing either now raises ImportError
        "sys.modules['plotly'] = None\n"
        f"sys.path.insert(0, {str(ROOT / 'lib')!r})\n"
        f"text = {block.group(1)!r}\n"
        "test = doctest.DocTestParser().get_doctest(text, {}, 'README', 'README.md', 0)\n"
        "runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)\n"
        "runner.run(test)\n"
        "assert 'streamlit' not in {m.split('.')[0] for m in sys.modules if sys.modules[m] is not None}\n"
        "print(runner.summarize())\n"
        "sys.exit(1 if runner.failures or not runner.tries else 0)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": ""})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "failed=0" in r.stdout


@pytest.mark.parametrize("link", LINKS)
def test_readme_example_links_open_their_view(link):
    u = urlparse(link)
    at = AppTest.from_file(str(ROOT / "pages" / f"{PAGES[u.path.strip('/')]}.py"), default_timeout=300)
    for k, v in parse_qsl(u.query):
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w.value for w in at.warning if "link parameters" in w.value], link
    for k, v in parse_qsl(u.query):          # every parameter is still in the address bar, as given
        got = at.query_params[k]
        assert (got if isinstance(got, str) else got[0]).lower() == v.lower(), (k, v, got)


def test_readme_lists_example_links():
    assert len(LINKS) >= 4
