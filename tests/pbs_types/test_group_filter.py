"""Group filters: grammar, PBS's error texts, normalisation and `apply_filters` semantics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbs_types.group_filter import (
    GROUP_FILTER_RULE,
    FilterKind,
    GroupFilter,
    GroupFilterError,
    apply_group_filters,
    normalize_group_filter,
    normalize_group_filters,
    parse_group_filter,
)


@pytest.mark.parametrize(
    ("text", "expected", "normalised"),
    [
        ("type:vm", GroupFilter(FilterKind.TYPE, "vm"), "type:vm"),
        ("include:type:ct", GroupFilter(FilterKind.TYPE, "ct"), "type:ct"),
        ("exclude:type:host", GroupFilter(FilterKind.TYPE, "host", exclude=True), "exclude:type:host"),
        ("group:vm/100", GroupFilter(FilterKind.GROUP, "vm/100"), "group:vm/100"),
        ("include:group:ct/my.ct-1", GroupFilter(FilterKind.GROUP, "ct/my.ct-1"), "group:ct/my.ct-1"),
        (
            "exclude:regex:^vm/9\\d\\d$",
            GroupFilter(FilterKind.REGEX, "^vm/9\\d\\d$", True),
            "exclude:regex:^vm/9\\d\\d$",
        ),
        ("regex:a:b", GroupFilter(FilterKind.REGEX, "a:b"), "regex:a:b"),
        ("regex:", GroupFilter(FilterKind.REGEX, ""), "regex:"),
    ],
)
def test_parse_and_normalise(text, expected, normalised):
    assert parse_group_filter(text) == expected
    assert normalize_group_filter(text) == normalised


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vm", "input doesn't match expected format '<group:GROUP||type:<vm|ct|host>|regex:REGEX>'"),
        ("", "input doesn't match expected format '<group:GROUP||type:<vm|ct|host>|regex:REGEX>'"),
        ("include:vm", "input doesn't match expected format '<group:GROUP||type:<vm|ct|host>|regex:REGEX>'"),
        ("name:vm", "expected 'group', 'type' or 'regex' prefix, got 'name'"),
        ("include:exclude:type:vm", "expected 'group', 'type' or 'regex' prefix, got 'exclude'"),
        ("Type:vm", "expected 'group', 'type' or 'regex' prefix, got 'Type'"),
        ("type:qemu", 'invalid backup type "qemu"'),
        ('type:v"m', 'invalid backup type "v\\"m"'),
        ("type:VM", 'invalid backup type "VM"'),
        ("group:vm", "value does not match the regex pattern"),
        ("group:vm/", "value does not match the regex pattern"),
        ("group:lxc/100", "value does not match the regex pattern"),
        ("group:vm/100/x", "value does not match the regex pattern"),
    ],
)
def test_errors_use_pbs_texts(text, message):
    with pytest.raises(GroupFilterError) as err:
        parse_group_filter(text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("vm/(?=1)", "look-around, including look-ahead and look-behind, is not supported"),
        ("(?<!x)vm", "look-around, including look-ahead and look-behind, is not supported"),
        ("(a)\\1", "backreferences are not supported"),
        ("(", "unclosed group"),
        ("[a-", "unclosed character class"),
    ],
)
def test_bad_regexes_report_a_regex_parse_error(pattern, message):
    with pytest.raises(GroupFilterError) as err:
        parse_group_filter(f"regex:{pattern}")
    text = str(err.value)
    assert text.startswith(f"regex parse error:\n    {pattern}\n")
    assert text.endswith(f"error: {message}")


def test_lookaround_caret_points_at_the_construct():
    with pytest.raises(GroupFilterError) as err:
        parse_group_filter("regex:vm/(?=1)")
    assert str(err.value).splitlines()[2] == "       ^^^"


def test_rust_named_groups_are_accepted():
    assert GroupFilter.parse("regex:^(?<t>vm)/1").matches("vm/100")
    assert GroupFilter.parse("regex:^(?P<t>vm)/1").matches("vm/100")


@pytest.mark.parametrize("pattern", ["[\\1]", "\\0", "a\\7"])
def test_digit_escapes_are_backreferences_for_rust_even_in_classes(pattern):
    with pytest.raises(GroupFilterError, match=r"error: backreferences are not supported$"):
        parse_group_filter(f"regex:{pattern}")


@pytest.mark.parametrize(
    ("filter_text", "group", "expected"),
    [
        ("type:vm", "vm/100", True),
        ("type:vm", "ct/100", False),
        ("group:vm/100", "vm/100", True),
        ("group:vm/100", "vm/1000", False),
        ("regex:^vm/1", "vm/100", True),
        ("regex:00", "vm/100", True),  # unanchored search on "<type>/<id>"
        ("regex:^100", "vm/100", False),
        ("exclude:type:vm", "vm/100", True),  # matches() ignores the exclude flag
    ],
)
def test_matches(filter_text, group, expected):
    assert GroupFilter.parse(filter_text).matches(group) is expected


# `BackupGroup::apply_filters`: no includes => all included; else >= 1 include; any exclude removes.
@pytest.mark.parametrize(
    ("filters", "group", "expected"),
    [
        ([], "vm/100", True),
        (["exclude:type:ct"], "vm/100", True),
        (["exclude:type:ct"], "ct/100", False),
        (["type:vm"], "ct/100", False),
        (["type:vm", "group:ct/7"], "ct/7", True),
        (["type:vm", "exclude:regex:^vm/9\\d\\d$"], "vm/100", True),
        (["type:vm", "exclude:regex:^vm/9\\d\\d$"], "vm/901", False),
        (["include:type:vm", "exclude:group:vm/100"], "vm/100", False),
        (["exclude:group:vm/100", "exclude:group:vm/101"], "vm/102", True),
    ],
)
def test_apply_filters(filters, group, expected):
    assert apply_group_filters(group, filters) is expected
    assert apply_group_filters(group, [GroupFilter.parse(f) for f in filters]) is expected


def test_list_normalisation_keeps_order():
    assert normalize_group_filters(["include:type:vm", "exclude:type:ct", "group:vm/1"]) == [
        "type:vm",
        "exclude:type:ct",
        "group:vm/1",
    ]


def test_schema_rule_runs_the_parser():
    assert GROUP_FILTER_RULE.is_valid("include:type:vm")
    assert not GROUP_FILTER_RULE.is_valid("type:qemu")


# --- properties ------------------------------------------------------------------------

backup_ids = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9._\-]{0,8}\Z")
types = st.sampled_from(["vm", "ct", "host"])
groups = st.builds(lambda t, i: f"{t}/{i}", types, backup_ids)
prefixes = st.sampled_from(["", "include:", "exclude:"])
kinds = st.one_of(
    types.map(lambda t: f"type:{t}"),
    groups.map(lambda g: f"group:{g}"),
    st.sampled_from(["regex:^vm/", "regex:\\d$", "regex:.", "regex:^(ct|host)/a"]),
)
filter_texts = st.builds(lambda p, k: p + k, prefixes, kinds)


@given(filter_texts)
def test_normalise_is_idempotent_and_drops_include(text):
    once = normalize_group_filter(text)
    assert normalize_group_filter(once) == once
    assert not once.startswith("include:")
    assert parse_group_filter(once) == parse_group_filter(text)


@given(st.lists(filter_texts, max_size=5), groups)
def test_apply_matches_its_definition(filters, group):
    parsed = [parse_group_filter(f) for f in filters]
    includes = [f for f in parsed if not f.exclude]
    excludes = [f for f in parsed if f.exclude]
    expected = (not includes or any(f.matches(group) for f in includes)) and not any(
        f.matches(group) for f in excludes
    )
    assert apply_group_filters(group, filters) is expected
    # normalising the list never changes what it selects
    assert apply_group_filters(group, normalize_group_filters(filters)) is expected
