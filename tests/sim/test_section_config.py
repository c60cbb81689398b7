"""PBS's section-config text format, both ways (pure functions, no server)."""

from __future__ import annotations

import pytest

from pbs_sim.api_types import SYNC_JOB_CONFIG
from pbs_sim.section_config import (
    SectionConfigData,
    SectionConfigError,
    SectionType,
    format_config,
    parse_config,
)

TYPES = {"sync": SectionType("sync", "id", SYNC_JOB_CONFIG)}

TEXT = (
    "sync: a-job\n"
    "\tgroup-filter type:vm\n"
    "\tgroup-filter exclude:type:ct\n"
    "\tmax-depth 3\n"
    "\tns \n"
    "\tremote-store other\n"
    "\tremove-vanished false\n"
    "\tstore store1\n"
    "\n"
    "sync: b-job\n"
    "\tremote-store x12\n"
    "\tstore store1\n"
)


def test_parse_types_values_and_arrays():
    parsed = parse_config(TEXT, TYPES)
    assert parsed.sections["a-job"] == (
        "sync",
        {
            "group-filter": ["type:vm", "exclude:type:ct"],
            "max-depth": 3,
            "ns": "",
            "remote-store": "other",
            "remove-vanished": False,
            "store": "store1",
        },
    )
    assert list(parsed.sections) == ["a-job", "b-job"]


def test_format_is_exactly_pbs_text():
    assert format_config(parse_config(TEXT, TYPES)) == TEXT


def test_keys_are_sorted_and_sections_separated_by_one_blank_line():
    data = SectionConfigData()
    data.set("zz-job", "sync", {"store": "s1x", "remote-store": "s2x", "comment": "c"})
    data.set("aa-job", "sync", {"store": "s1x", "remote-store": "s2x"})
    assert format_config(data) == (
        "sync: zz-job\n\tcomment c\n\tremote-store s2x\n\tstore s1x\n"
        "\n"
        "sync: aa-job\n\tremote-store s2x\n\tstore s1x\n"
    )


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "sync: x1x\n\tstore s1x\n",
            "property 'remote-store' is missing and it is not optional.",
        ),
        ("bogus: x1x\n", "unknown section type 'bogus'"),
        ("sync: x1x\n\tcolour red\n", "unknown property 'colour'"),
        ("sync: x1x\n\tmax-depth deep\n", "property 'max-depth': invalid digit found in string"),
        ("sync: x1x\n\tstore aaa\n\tstore bbb\n", "duplicate property 'store'"),
        ("\tstore s1x\n", "syntax error (expected header)"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(SectionConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config(text, TYPES)


def test_control_characters_are_refused_on_write():
    data = SectionConfigData()
    data.set("job", "sync", {"store": "s1x", "remote-store": "s2x", "comment": "a\nb"})
    with pytest.raises(SectionConfigError, match="control character"):
        format_config(data)
