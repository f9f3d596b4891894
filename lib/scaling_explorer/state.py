"""Page views as URL query parameters: decode with validation, encode only non-defaults.

Each page declares its fields. ``decode`` turns raw query parameters (every key may repeat)
into values plus human-readable notices; anything unknown, malformed or out of range falls
back to the default (or is clamped) and says so. ``encode`` writes the non-default values
back, so links stay short and every view is a link. Pure Python, no Streamlit.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .units import fmt_sci

MAX_VALUE_LEN = 200
# Query parameters Streamlit itself understands; never reported as unknown.
# not page fields: Streamlit's embed options, and the workspace (read by app.cache.workspace on every page)
STREAMLIT_KEYS = frozenset({"embed", "embed_options", "ws"})
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
# An empty multi selection in a link (a slug cannot be "-": it must start with a letter or digit).
# A selection of the single choice "-" is written "-," so the two never collide.
EMPTY = "-"


@dataclass(frozen=True)
class Field:
    key: str
    kind: str                  # "log10" | "float" | "int" | "choice" | "multi" | "text" | "bool"
    default: Any
    lo: float | None = None    # for log10: exponent bounds; for float/int: value bounds
    hi: float | None = None    # for text: the most characters kept
    step: float | None = None  # for log10: grid step in decades
    choices: tuple = ()
    label: str = ""
    allow_inf: bool = False    # for log10: a last option "unlimited" (math.inf)
    allow_none: bool = False   # for log10: a first option "none" (-math.inf, i.e. a value of 0)
    allow_empty: bool = False  # for multi: an empty selection is a valid view, written as EMPTY
    # The default this field had before its default changed. Links omit default values, so a link
    # that names other fields but not this one was written when ``legacy`` was the default: it
    # reopens on ``legacy`` (with an Info notice). Links written since always name this field
    # when they name any other (``encode``), so they never depend on the default.
    legacy: Any = None
    names: tuple = ()          # (choice, display name) pairs: how notices name choices (a law's name, not its slug)

    def options(self) -> list[float]:
        """The grid a log10 field snaps to (its widget's options)."""
        n = int(round((self.hi - self.lo) / self.step))
        grid = [round(self.lo + i * self.step, 6) for i in range(n + 1)]
        if self.allow_none:
            grid = [-math.inf] + grid
        return grid + [math.inf] if self.allow_inf else grid


def _parse_float(s: str) -> float:
    v = float(s.strip())
    if not math.isfinite(v):
        raise ValueError("not finite")
    return v


def _decode_one(f: Field, raw: str, notices: list[str]):
    label = f.label or f.key
    if len(raw) > MAX_VALUE_LEN:
        notices.append(f"'{f.key}' was too long and was ignored; using the default {label.lower()}.")
        return f.default
    try:
        if f.kind == "log10":
            if f.allow_inf and raw.strip().lower() in ("inf", "unlimited"):
                return math.inf
            if f.allow_none and raw.strip().lower() in ("0", "none", "off"):
                return -math.inf
            v = _parse_float(raw)
            if v <= 0:
                raise ValueError("not positive")
            x = math.log10(v)
            grid = [g for g in f.options() if math.isfinite(g)]
            if x < f.lo or x > f.hi:
                x = min(max(x, f.lo), f.hi)
                notices.append(f"{label} {raw!s} is outside {fmt_sci(10 ** f.lo)}–{fmt_sci(10 ** f.hi)}; "
                               f"clamped to {fmt_sci(10 ** x)}.")
            snapped = min(grid, key=lambda g: abs(g - x))
            # Keep a value typed into a link exactly (to 3 significant digits) unless it is on the grid.
            if fmt_sci(10 ** snapped) == fmt_sci(10 ** x):   # same to 3 significant digits: the grid point
                return snapped
            return float(math.log10(float(fmt_sci(10 ** x))))
        if f.kind in ("float", "int"):
            v = _parse_float(raw)
            if f.kind == "int":
                if v != int(v):
                    raise ValueError("not an integer")
                v = int(v)
            if (f.lo is not None and v < f.lo) or (f.hi is not None and v > f.hi):
                clamped = min(max(v, f.lo), f.hi)
                notices.append(f"{label} {raw} is outside {f.lo:g}–{f.hi:g}; clamped to {clamped:g}.")
                v = type(v)(clamped)
            return v
        if f.kind == "text":     # free text (a filter): kept as typed, without control characters
            text = "".join(ch for ch in raw if ch.isprintable())
            most = int(f.hi) if f.hi is not None else MAX_VALUE_LEN
            if len(text) > most:
                notices.append(f"{label} was longer than {most} characters; kept the first {most}.")
                text = text[:most]
            return text
        if f.kind == "bool":     # an open section: written 1 / 0
            word = raw.strip().lower()
            if word in ("1", "true", "yes", "on", "open"):
                return True
            if word in ("0", "false", "no", "off", "closed"):
                return False
            raise ValueError("not 1 or 0")
        if f.kind == "choice":
            if raw in f.choices:
                return raw
            notices.append(f"Unknown {label.lower()} '{raw[:60]}'; showing the default.")
            return f.default
        if f.kind == "multi":
            if f.allow_empty and raw.strip() in (EMPTY, ""):
                return ()
            items = [] if raw.strip() == EMPTY else [s for s in raw.split(",") if s]
            good = [s for s in dict.fromkeys(items) if s in f.choices]
            bad = [s for s in items if s not in f.choices]
            if bad:
                shown = ", ".join(f"'{b[:40]}'" for b in bad[:5])
                notices.append(f"Ignored unknown {label.lower()}: {shown}.")
            elif not good and f.default:
                notices.append(f"'{f.key}' named no {label.lower()}; showing the default.")
            return tuple(good) if good else tuple(f.default)
    except (ValueError, OverflowError):
        notices.append(f"'{f.key}' value '{raw[:60]}' is not valid; using the default {label.lower()}.")
        return f.default
    raise ValueError(f"unknown field kind {f.kind!r}")


class Info(str):
    """A notice that reports how a link was read, not a problem with it (shown as information)."""


def _short(v: str) -> str:
    v = str(v)
    return v if len(v) <= 40 else v[:40] + "…"


def decode(params: Mapping[str, Sequence[str] | str], fields: Sequence[Field]) -> tuple[dict, list[str]]:
    """Validated values for every field, and notices for what was ignored, clamped or unknown.

    Keys match a field exactly; failing that, a key that matches exactly one field's key when
    case is ignored (``c`` for ``C``, ``LAW`` for ``law``) is read as that field, with a notice.
    A field given more than once (``C=1e22&C=1e24``, or ``C`` and ``c``) takes its LAST value,
    and the notice names the value used. Every notice says what the page shows instead."""
    notices: list[str] = []
    by_key = {f.key: f for f in fields}
    folded: dict[str, list[str]] = {}
    for f in fields:
        folded.setdefault(f.key.lower(), []).append(f.key)
    values = {f.key: f.default for f in fields}
    given: dict[str, list[str]] = {}          # field key -> raw values in the order they came
    for key, raw in params.items():
        seq = [raw] if isinstance(raw, str) else list(raw)
        if key in STREAMLIT_KEYS:
            continue
        target = key if key in by_key else None
        if target is None:
            same = folded.get(str(key).lower(), [])
            if len(same) == 1:
                target = same[0]
                notices.append(f"Read URL parameter '{_short(key)}' as '{target}' (parameter names are "
                               "case-sensitive).")
        if target is None:
            notices.append(f"Ignored unknown URL parameter '{_short(key)}'.")
            continue
        given.setdefault(target, []).extend(str(v) for v in seq)
    for key, seq in given.items():
        if not seq:
            continue
        if len(seq) > 1:
            shown = ", ".join(f"'{_short(v)}'" for v in seq[:5]) + (", …" if len(seq) > 5 else "")
            notices.append(f"'{key}' was given {len(seq)} times ({shown}); using the last one, '{_short(seq[-1])}'.")
        values[key] = _decode_one(by_key[key], seq[-1], notices)
    if given:
        for f in fields:
            if f.legacy is not None and f.key not in given:
                values[f.key] = f.legacy
                name = dict(f.names).get
                shown = ", ".join(name(c, c) for c in f.legacy) if f.kind == "multi" else name(f.legacy, f.legacy)
                notices.append(Info(f"This link names no {(f.label or f.key).lower()}: it was written when the "
                                    f"default was {shown}, so that is shown. The address bar now names it."))
    return values, notices


def notice_text(notices: Sequence[str]) -> str:
    """The one warning a page shows for a link's notices (markdown list). Each notice says what
    was used instead, so this text does not claim that defaults were used. Info notices (how an
    older link was read) are not part of it: see ``info_text``."""
    notices = [n for n in notices if not isinstance(n, Info)]
    return ("Some link parameters were not used as written:\n\n" + "\n".join(f"- {n}" for n in notices)
            + "\n\nThe address bar now shows the view as opened.")


def info_text(notices: Sequence[str]) -> str:
    """The Info notices of a link (how an older link was read), one per line; '' when none."""
    return "\n\n".join(n for n in notices if isinstance(n, Info))


def canonical_query(params: Mapping[str, Sequence[str] | str], fields: Sequence[Field]) -> dict[str, str]:
    """The query a link should be rewritten to: its decoded values re-encoded (one value per key,
    field keys in their own case, non-defaults only), plus Streamlit's own keys (last value)."""
    values, _ = decode(params, fields)
    out = encode(values, fields)
    for k in STREAMLIT_KEYS:
        if k in params:
            raw = params[k]
            seq = [raw] if isinstance(raw, str) else list(raw)
            if seq:
                out[k] = str(seq[-1])
    return out


def needs_rewrite(params: Mapping[str, Sequence[str] | str], fields: Sequence[Field]) -> bool:
    """Whether the address bar differs from canonical_query (a repeated or mis-cased key, an
    unknown key, a value written differently): then the page should replace the query with it."""
    want = canonical_query(params, fields)
    have = {}
    for k, raw in params.items():
        seq = [raw] if isinstance(raw, str) else list(raw)
        if len(seq) != 1:
            return True
        have[k] = str(seq[0])
    return have != want


def normalise_path(path: str, known: Sequence[str] | None = None) -> str | None:
    """A request path as a page's url_path: '/PLANNER' -> 'planner', '/Fit/' -> 'fit',
    '/planner?C=1e24' -> 'planner' (the query is not part of the path), '/' or '' -> '' (home).
    With known (the app's url_paths), returns the known path that matches ignoring case, '' for
    home, or None when the path names no page."""
    p = str(path or "").split("?", 1)[0].split("#", 1)[0].strip().strip("/").lower()
    if known is None or p == "":
        return p
    by_lower = {str(k).strip("/").lower(): str(k) for k in known}
    return by_lower.get(p)


def encode_value(f: Field, v) -> str:
    if f.kind == "log10":
        if math.isinf(v):
            return "inf" if v > 0 else "0"
        return fmt_sci(10 ** v)
    if f.kind == "multi":
        if not v:
            return EMPTY
        return ",".join(v) + ("," if tuple(v) == (EMPTY,) else "")
    if f.kind == "float":
        return f"{v:.6g}"
    if f.kind == "bool":
        return "1" if v else "0"
    return str(v)


def encode(values: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, str]:
    """Query parameters for the non-default values, in field order; a field with a ``legacy``
    default is written whenever any other field is, so the link does not depend on the default."""
    out = {}
    for f in fields:
        v = values.get(f.key, f.default)
        if f.kind == "multi":
            same = tuple(v) == tuple(f.default)
        elif f.kind in ("log10", "float") and (math.isinf(v) or math.isinf(f.default)):
            same = v == f.default
        elif f.kind in ("log10", "float"):
            same = math.isclose(float(v), float(f.default), rel_tol=1e-9, abs_tol=1e-12)
        else:
            same = v == f.default
        if not same:
            out[f.key] = encode_value(f, v)
    if out and any(f.legacy is not None and f.key not in out for f in fields):
        return {f.key: out[f.key] if f.key in out else encode_value(f, values.get(f.key, f.default))
                for f in fields if f.key in out or f.legacy is not None}
    return out


def is_slug(s: str) -> bool:
    return bool(_SLUG.match(s))
