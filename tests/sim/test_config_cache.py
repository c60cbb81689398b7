"""The section-config cache of `pbs_sim.config_store` is exactly as correct as re-reading the file.

Every read is compared with a fresh `parse_config` of the bytes on disk, every write with
`format_config` of what the caller passed: after writes through the file, after changes made
behind its back (other processes, hand edits), for files that do not parse, and when a caller
changes what a read handed out.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbs_sim.api_types import SYNC_JOB_CONFIG
from pbs_sim.config_store import SectionConfigFile
from pbs_sim.errors import ApiError
from pbs_sim.section_config import (
    SectionConfigData,
    SectionConfigError,
    SectionType,
    format_config,
    parse_config,
    write_config,
)

TYPES = {"sync": SectionType("sync", "id", SYNC_JOB_CONFIG)}


def job(store: str = "store1", **extra: object) -> dict[str, object]:
    return {"store": store, "remote-store": "other", **extra}


def fresh(path: Path) -> SectionConfigData:
    return parse_config(path.read_text(), TYPES, str(path))


@pytest.fixture
def cfg(tmp_path: Path) -> SectionConfigFile:
    return SectionConfigFile(tmp_path / "sync.cfg", TYPES)


def test_reads_equal_a_fresh_parse_through_writes(cfg: SectionConfigFile) -> None:
    data, _ = cfg.read()
    for i in range(5):
        data.set(f"job-{i}", "sync", job(comment=f"c{i}", **{"group-filter": ["type:vm"]}))
        cfg.write(data)
        data, digest = cfg.read()
        assert data.sections == fresh(cfg.path).sections
        assert digest == cfg.digest()
    data.set("job-2", "sync", job(store="store2"))
    data.remove("job-0")
    cfg.write(data)
    assert cfg.path.read_text() == format_config(fresh(cfg.path))
    again, _ = cfg.read()
    assert list(again.sections) == ["job-1", "job-2", "job-3", "job-4"]
    assert again.get("job-2") == ("sync", job(store="store2"))


def test_a_change_behind_its_back_is_seen(cfg: SectionConfigFile) -> None:
    data, _ = cfg.read()
    data.set("a-job", "sync", job(comment="one"))
    cfg.write(data)
    cfg.read()
    cfg.path.write_text(cfg.path.read_text().replace("comment one", "comment two"))
    data, digest = cfg.read()
    assert data.get("a-job") == ("sync", job(comment="two"))
    assert digest == cfg.digest()


def test_what_a_read_hands_out_cannot_change_the_cache(cfg: SectionConfigFile) -> None:
    data, _ = cfg.read()
    data.set("a-job", "sync", job(**{"group-filter": ["type:vm"]}))
    cfg.write(data)
    first, _ = cfg.read()
    found = first.get("a-job")
    assert found is not None
    found[1]["group-filter"].append("type:ct")
    found[1]["comment"] = "changed"
    for _, props in first.items():
        props["store"] = "elsewhere"
    first.sections["a-job"][1]["group-filter"].clear()
    first.sections.pop("a-job")[1]["store"] = "gone"
    second, _ = cfg.read()
    assert second.get("a-job") == ("sync", job(**{"group-filter": ["type:vm"]}))


def test_a_write_formats_the_changed_sections_and_keeps_the_others(cfg: SectionConfigFile) -> None:
    data, _ = cfg.read()
    for i in range(3):
        data.set(f"job-{i}", "sync", job(comment=f"c{i}"))
    cfg.write(data)
    data, _ = cfg.read()
    data.set("job-1", "sync", job(comment="new"))
    data.set("job-9", "sync", job())
    cfg.write(data)
    assert cfg.path.read_text() == format_config(fresh(cfg.path))
    assert [s[1].get("comment") for s in fresh(cfg.path).sections.values()] == ["c0", "new", "c2", None]


def test_hand_formatted_files_are_rewritten_the_pbs_way(cfg: SectionConfigFile) -> None:
    cfg.path.write_text(
        "sync: a-job\n    store store1\n  remote-store other\n\n\n \n"
        "sync: b-job\n\tstore s2x\n\tremote-store oth\n"
    )
    data, _ = cfg.read()
    assert data.sections == fresh(cfg.path).sections
    data.set("c-job", "sync", job())
    cfg.write(data)
    assert cfg.path.read_text() == format_config(data)
    again, digest = cfg.read()  # what the write remembered is what the file parses to
    assert again.sections == fresh(cfg.path).sections
    assert digest == cfg.digest()
    again.set("d-job", "sync", job())
    cfg.write(again)
    assert cfg.read()[0].sections == fresh(cfg.path).sections


@pytest.mark.parametrize(
    "text",
    [
        "sync: a-job\n\tstore store1\n\tremote-store other\n\nsync: b-job\n\tstore store1\n\tbogus 1\n",
        "sync: a-job\n\tstore store1\n\tremote-store other\n\nnope\n",
        "sync: a-job\n\tstore store1\n\nsync: b-job\n\tstore store1\n\tremote-store other\n",
    ],
)
def test_a_file_that_does_not_parse_fails_exactly_as_without_a_cache(
    cfg: SectionConfigFile, text: str
) -> None:
    cfg.path.write_text(text)
    with pytest.raises(SectionConfigError) as expected:
        parse_config(text, TYPES, str(cfg.path))
    for _ in range(2):
        with pytest.raises(SectionConfigError) as got:
            cfg.read()
        assert str(got.value) == str(expected.value)


def test_a_repeated_id_reads_as_the_whole_file_parse_says(cfg: SectionConfigFile) -> None:
    text = (
        "sync: a-job\n\tstore store1\n\tremote-store other\n\nsync: a-job\n\tstore s2x\n\tremote-store oth\n"
    )
    cfg.path.write_text(text)
    assert cfg.read()[0].sections == parse_config(text, TYPES).sections


_words = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=3, max_size=8)
_sections = st.dictionaries(
    st.from_regex(r"[a-z][a-z0-9-]{2,8}", fullmatch=True),
    st.fixed_dictionaries(
        {"store": _words, "remote-store": _words},
        optional={
            "comment": st.text(alphabet=string.ascii_letters + " ", max_size=10).map(str.strip),
            "group-filter": st.lists(st.sampled_from(["type:vm", "type:ct", "group:vm/1"]), max_size=3),
            "max-depth": st.integers(0, 7),
        },
    ),
    max_size=6,
)
_separators = st.sampled_from(["\n", "\n\n", "\n \n", "\n\t\n\n"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(_sections, _separators, st.booleans()), min_size=1, max_size=5))
def test_any_sequence_of_writes_and_edits_reads_like_a_fresh_parse(tmp_path: Path, steps: list) -> None:
    cfg = SectionConfigFile(tmp_path / "prop.cfg", TYPES)
    cfg.path.unlink(missing_ok=True)
    for sections, separator, through_cache in steps:
        if through_cache:
            data, _ = cfg.read()
            for sid in list(data.sections):
                if sid not in sections:
                    data.remove(sid)
            for sid, props in sections.items():
                if data.get(sid) != ("sync", props):
                    data.set(sid, "sync", props)
            cfg.write(data)
            expected = SectionConfigData()
            for sid in data.sections:
                expected.set(sid, "sync", data.sections[sid][1])
            assert cfg.path.read_text() == format_config(expected)
        else:  # someone else writes the file, with other blank lines between the sections
            chunks = [format_config(SectionConfigData({sid: ("sync", p)})) for sid, p in sections.items()]
            cfg.path.write_text(separator.join(chunks))
        data, digest = cfg.read()
        assert data.sections == fresh(cfg.path).sections
        assert digest == cfg.digest()


def test_a_refused_save_says_what_the_whole_file_write_says_and_writes_nothing(
    cfg: SectionConfigFile,
) -> None:
    data, _ = cfg.read()
    for i in range(3):
        data.set(f"job-{i}", "sync", job(comment=f"c{i}"))
    cfg.write(data)
    before = cfg.path.read_bytes()
    data, _ = cfg.read()
    data.set("job-1", "sync", job(comment="bad\x01"))
    with pytest.raises(SectionConfigError) as expected:
        write_config(data, TYPES, str(cfg.path))
    with pytest.raises(ApiError) as got:
        cfg.write(data)
    assert got.value.message == str(expected.value)
    assert cfg.path.read_bytes() == before


def test_a_value_the_read_back_changes_reads_as_the_file_says(cfg: SectionConfigFile) -> None:
    data, _ = cfg.read()
    data.set("job-1", "sync", job(comment="spaced "))  # read back trimmed, as PBS reads it
    data.set("job-2", "sync", job())
    cfg.write(data)
    assert cfg.path.read_text() == format_config(data)
    again, digest = cfg.read()
    assert again.sections == fresh(cfg.path).sections and digest == cfg.digest()
    assert again.get("job-1") == ("sync", job(comment="spaced"))
    cfg.write(again)  # the cached section is written the PBS way: from what was read
    assert cfg.path.read_text() == format_config(fresh(cfg.path))
