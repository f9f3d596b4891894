"""Links that reopen the view (issue 13): empty selections, repeated and differently-cased keys,
paths in any case."""
import math

import pytest

from scaling_explorer.state import (EMPTY, Field, canonical_query, decode, encode, is_slug, needs_rewrite, normalise_path,
                       notice_text)

FIELDS = (
    Field("law", "choice", "a", choices=("a", "b")),
    Field("C", "log10", 23.0, lo=18.0, hi=27.0, step=0.1),
    Field("cmp", "multi", ("a", "b"), choices=("a", "b", "c"), label="Comparison laws", allow_empty=True),
    Field("cols", "multi", (), choices=("-", "x", "y"), label="Columns", allow_empty=True),
    Field("laws", "multi", ("a",), choices=("a", "b", "c"), label="Laws"),
)


def test_a_cleared_multiselect_round_trips_without_a_warning():
    enc = encode({"cmp": ()}, FIELDS)
    assert enc == {"cmp": EMPTY} and not is_slug(EMPTY)
    dec, notices = decode({k: [v] for k, v in enc.items()}, FIELDS)
    assert dec["cmp"] == () and notices == []
    # the link a cleared widget wrote before this change opens as cleared too
    dec, notices = decode({"cmp": [""]}, FIELDS)
    assert dec["cmp"] == () and notices == []


def test_a_choice_named_like_the_empty_token_is_not_confused_with_empty():
    enc = encode({"cols": ("-",)}, FIELDS)
    dec, notices = decode({k: [v] for k, v in enc.items()}, FIELDS)
    assert dec["cols"] == ("-",) and notices == []
    assert encode({"cols": ()}, FIELDS) == {}          # the default (empty) is not written


def test_fields_that_do_not_allow_empty_keep_their_default_with_a_notice():
    dec, notices = decode({"laws": [EMPTY]}, FIELDS)
    assert dec["laws"] == ("a",) and any("named no laws" in n for n in notices)


def test_repeated_keys_use_the_last_value_and_say_so():
    dec, notices = decode({"C": ["1e22", "1e24"]}, FIELDS)
    assert dec["C"] == pytest.approx(24.0)
    assert notices == ["'C' was given 2 times ('1e22', '1e24'); using the last one, '1e24'."]
    assert canonical_query({"C": ["1e22", "1e24"]}, FIELDS) == {"C": "1e24"}
    assert needs_rewrite({"C": ["1e22", "1e24"]}, FIELDS)
    assert "defaults" not in notice_text(notices) and notice_text(notices).startswith(
        "Some link parameters were not used")


@pytest.mark.parametrize("params, key, value", [
    ({"c": ["1e22"]}, "C", 22.0),
    ({"LAW": ["b"]}, "law", "b"),
    ({"Cmp": ["c"]}, "cmp", ("c",)),
])
def test_differently_cased_keys_are_read_as_the_field_with_a_notice(params, key, value):
    dec, notices = decode(params, FIELDS)
    assert dec[key] == value
    assert len(notices) == 1 and f"as '{key}'" in notices[0]
    assert canonical_query(params, FIELDS) == encode(dec, FIELDS) and needs_rewrite(params, FIELDS)


def test_a_key_given_in_two_cases_counts_as_repeated():
    dec, notices = decode({"C": ["1e22"], "c": ["1e24"]}, FIELDS)
    assert dec["C"] == pytest.approx(24.0)
    assert any("2 times" in n and "'1e24'" in n for n in notices)


def test_a_canonical_link_needs_no_rewrite_and_streamlit_keys_are_kept():
    q = {"law": "b", "C": "1e22", "embed": "true"}
    assert canonical_query(q, FIELDS) == q and not needs_rewrite(q, FIELDS)
    assert needs_rewrite({"zzz": "1"}, FIELDS)


@pytest.mark.parametrize("path, known, want", [
    ("/PLANNER", None, "planner"),
    ("/Planner/", ("laws", "planner"), "planner"),
    ("/PLANNER?C=1e24", ("laws", "planner"), "planner"),
    ("/", ("laws", "planner"), ""),
    ("", None, ""),
    ("/nope", ("laws", "planner"), None),
    ("/FIT#top", ("fit",), "fit"),
])
def test_paths_are_normalised_to_a_page(path, known, want):
    assert normalise_path(path, known) == want


def test_round_trip_still_holds_for_other_fields():
    vals = {"law": "b", "C": 21.0, "cmp": ("c",), "cols": ("x", "y"), "laws": ("b", "c")}
    enc = encode(vals, FIELDS)
    dec, notices = decode({k: [v] for k, v in enc.items()}, FIELDS)
    assert notices == [] and all(dec[k] == v for k, v in vals.items() if k != "C") and math.isclose(dec["C"], 21.0)


# A default that changed (issue 13: defaults on verified laws). Before the change, links omitted
# law=old because it was the default; they must reopen on it.
CHANGED = (
    Field("law", "choice", "new", choices=("old", "new", "other"), label="Law", legacy="old"),
    Field("C", "log10", 23.0, lo=18.0, hi=27.0, step=0.1),
)


def test_an_old_link_that_omits_a_changed_default_reopens_on_the_old_default_with_an_info_notice():
    from scaling_explorer.state import Info, info_text
    values, notices = decode({"C": "1e24"}, CHANGED)
    assert values == {"law": "old", "C": 24.0}
    assert len(notices) == 1 and isinstance(notices[0], Info)
    assert "default was old" in info_text(notices)
    assert "Some link parameters" not in info_text(notices) and notice_text(notices).count("- ") == 0
    # the address bar is rewritten to name it, so the link no longer depends on any default
    assert needs_rewrite({"C": "1e24"}, CHANGED)
    assert canonical_query({"C": "1e24"}, CHANGED) == {"law": "old", "C": "1e24"}
    # the notice names the choice as the page does (a law's name), where the field says how
    named = (Field("law", "choice", "new", choices=("old", "new"), label="Law", legacy="old",
                   names=(("old", "Old law (Paper 2020)"),)), CHANGED[1])
    assert "default was Old law (Paper 2020), so" in info_text(decode({"C": "1e24"}, named)[1])


def test_a_bare_link_opens_the_new_default_and_new_links_always_name_the_changed_field():
    values, notices = decode({}, CHANGED)
    assert values == {"law": "new", "C": 23.0} and notices == []
    assert encode({"law": "new", "C": 23.0}, CHANGED) == {}                      # the page itself: no query
    link = encode({"law": "new", "C": 24.0}, CHANGED)
    assert link == {"law": "new", "C": "1e24"}                                # names the (new) default
    assert decode(link, CHANGED)[0] == {"law": "new", "C": 24.0}
    assert not needs_rewrite(link, CHANGED)
    assert decode({"law": "other"}, CHANGED)[0]["law"] == "other"             # an explicit law wins


def test_an_open_section_round_trips_as_one_or_zero():
    """A bool field (the planner's run config section): written 1 / 0, read from the usual spellings;
    anything else keeps the default with a notice naming the parameter."""
    sec = (Field("rc", "bool", False, label="Run config section"),)
    assert encode({"rc": True}, sec) == {"rc": "1"} and encode({"rc": False}, sec) == {}
    for raw, want in (("1", True), ("true", True), ("open", True), ("0", False), ("off", False)):
        dec, notices = decode({"rc": [raw]}, sec)
        assert dec["rc"] is want and notices == [], raw
    dec, notices = decode({"rc": ["maybe"]}, sec)
    assert dec["rc"] is False and any("'rc' value 'maybe' is not valid" in n for n in notices)
