"""PBS's section-config text format, both ways (pure functions, no server)."""

from __future__ import annotations

import pytest

from pbs_sim.api_types import SYNC_JOB_CONFIG, USER_CONFIG
from pbs_sim.section_config import (
    SectionConfigData,
    SectionConfigError,
    SectionType,
    format_config,
    parse_config,
    write_config,
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


# --- PBS's save and read rules (proxmox-section-config/src/lib.rs) -------------------------------

USER_TYPES_FOR_TEST = {"user": SectionType("user", "userid", USER_CONFIG)}


def _job(**props):
    data = SectionConfigData()
    data.set("job-1", "sync", {"store": "s1x", "remote-store": "s2x", **props})
    return data


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u3000x"])
def test_only_newline_ends_a_line(separator):
    text = format_config(_job(comment=f"a{separator}b"), TYPES)
    assert parse_config(text, TYPES).sections["job-1"][1]["comment"] == f"a{separator}b"


def test_values_are_trimmed_with_rusts_trim_on_read():
    text = format_config(_job(comment="\u00a0 padded \u3000"), TYPES)
    assert parse_config(text, TYPES).sections["job-1"][1]["comment"] == "padded"


@pytest.mark.parametrize("char", ["\x85", "\x80", "\x9f"])
def test_unicode_control_characters_are_refused_on_write(char):
    with pytest.raises(SectionConfigError) as err:
        format_config(_job(comment=f"a{char}b"), TYPES)
    assert str(err.value) == "detected unexpected control character in section 'job-1' key 'comment'"


def test_sections_are_verified_against_their_schema_on_write():
    with pytest.raises(SectionConfigError) as err:
        format_config(_job(**{"rate-in": "1" + "0" * 100 + " B"}), TYPES)
    assert str(err.value) == (
        "verify section 'job-1' failed - parameter verification failed - 'rate-in': "
        "value may only be 64 characters long"
    )
    bad_id = SectionConfigData()
    bad_id.set("x", "sync", {"store": "s1x", "remote-store": "s2x"})
    with pytest.raises(SectionConfigError) as err:
        format_config(bad_id, TYPES)
    assert str(err.value) == "syntax error in section identifier: value must be at least 3 characters long"


def test_write_config_refuses_a_file_that_would_not_read_back():
    data = SectionConfigData()
    data.set("ann@pbs", "user", {"firstname": "a "})
    assert format_config(data, USER_TYPES_FOR_TEST)  # PBS's writer alone would store it
    with pytest.raises(SectionConfigError) as err:
        write_config(data, USER_TYPES_FOR_TEST, "/data/user.cfg")
    assert str(err.value) == (
        'writing "/etc/proxmox-backup/user.cfg" failed: the file would not read back: parsing '
        "\"/etc/proxmox-backup/user.cfg\" failed: line 2 - property 'firstname': value must be at "
        "least 2 characters long"
    )
