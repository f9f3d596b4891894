"""Citations of what is on screen, as BibTeX."""
from __future__ import annotations

import re

import pandas as pd


def _escape(s: str) -> str:
    return re.sub(r"([{}\\\\])", r"\\\1", str(s))


def bibtex(sources: pd.DataFrame) -> str:
    """One @misc entry per source row (arXiv e-prints), keyed by source_id."""
    out = []
    for _, r in sources.iterrows():
        authors = " and ".join(a.strip() for a in str(r["authors"]).replace(", et al.", " and others")
                               .replace(" et al.", " and others").split(",") if a.strip())
        fields = {"title": r["title"], "author": authors, "year": r["year"]}
        if r.get("arxiv_id"):
            fields |= {"eprint": r["arxiv_id"], "archivePrefix": "arXiv"}
        if r.get("url"):
            fields["url"] = r["url"]
        body = ",\n".join(f"  {k} = {{{_escape(v)}}}" for k, v in fields.items())
        out.append(f"@misc{{{r['source_id']},\n{body}\n}}")
    return "\n\n".join(out) + "\n"
