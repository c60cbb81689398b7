"""Generated cases from PBS's own regexes: `pbs_types`' Python patterns against the Rust originals.

The oracle is each PBS regex as its source writes it (`pbs_source.py`), compiled and matched by the
Rust `regex` crate itself (through `paula`), so `[[:cntrl:]]`, `\\s` and every class mean what they
mean in PBS. Hypothesis draws values from the PBS regexes (where Python can read them), then
mutates them at the edges with characters where the two dialects could differ (Unicode
whitespace, C0/C1 controls, line separators, non-ASCII letters).
"""

from __future__ import annotations

import re

import paula
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbs_types import ids
from tests.fidelity.pbs_source import PBS_REGEXES

# pbs_types rule -> the PBS regex it ports
OURS: dict[str, str] = {
    "SAFE_ID": ids.SAFE_ID_RE,
    "USER_NAME": ids.USER_NAME_RE,
    "USER_ID": ids.USERID_RULE.pattern or "",
    "AUTH_ID": ids.AUTHID_RULE.pattern or "",
    "SINGLE_LINE_COMMENT": ids.COMMENT_RULE.pattern or "",
    "PASSWORD": ids.REMOTE_PASSWORD_RULE.pattern or "",
    "DNS_NAME_OR_IP": ids.HOST_RULE.pattern or "",
    "FINGERPRINT_SHA256": ids.FINGERPRINT_RULE.pattern or "",
    "BACKUP_NAMESPACE": ids.NAMESPACE_RULE.pattern or "",
}

# Characters where Rust's regex classes and Python's could part ways, plus structure characters.
EDGE = (
    "aZ09_.-:/@!% \t\n\r\x0b\x0c\x1c\x1f\x7f\x80\x85\x9f\xa0\u1680\u2000\u200b\u2028\u2029\u202f"
    "\u205f\u3000\ufeff\u00e4\u00df\u03a9\U0001d538[]"
)
edge_text = st.text(alphabet=EDGE, max_size=2)  # one or two edge characters: a near miss

# The PBS regexes without POSIX classes are valid Python regexes with the same meaning:
# hypothesis can generate members from PBS's text directly.
_GENERATABLE = {
    name: source
    for name, (source, _where) in PBS_REGEXES.items()
    if "[:" not in source and "\\s" not in source
}


@st.composite
def candidates(draw: st.DrawFn, name: str) -> str:
    if name in _GENERATABLE:
        base = draw(st.from_regex(_GENERATABLE[name], fullmatch=True))
    else:
        base = draw(st.from_regex(r"[a-z0-9.@!_-]{0,16}", fullmatch=True))
    prefix, middle, suffix = draw(edge_text), draw(edge_text), draw(edge_text)
    cut = draw(st.integers(min_value=0, max_value=len(base)))
    return draw(
        st.sampled_from(
            [
                base,
                prefix + base,
                base + suffix,
                base[:cut] + middle + base[cut:],
                prefix + base[cut:] + suffix,
            ]
        )
    )


def test_every_ported_pattern_has_its_pbs_original():
    assert set(OURS) == set(PBS_REGEXES)


@pytest.mark.parametrize("name", sorted(PBS_REGEXES))
@settings(max_examples=200)
@given(data=st.data())
def test_pattern_agrees_with_pbs_regex(name, data):
    source, where = PBS_REGEXES[name]
    oracle = paula.Regex(source)
    ours = re.compile(OURS[name])
    value = data.draw(candidates(name), label="value")
    assert (ours.fullmatch(value) is not None) is oracle.is_match(value), f"{where}: {value!r}"


AUTHID_LIKE = st.one_of(
    st.text(alphabet=EDGE + "@!", min_size=1, max_size=20),
    st.from_regex(r"[a-z\u00e4@! ]{0,6}@[a-z0-9_.!-]{0,40}(![a-z0-9_.!-]{0,6})?", fullmatch=True),
)


@given(value=AUTHID_LIKE)
def test_authid_structure_matches_pbs_parse(value):
    """`parse_authid` refuses exactly what PBS's schema pattern refuses plus what `Authid::from_str`
    refuses (proxmox-auth-api/src/types.rs:615-640); the structural part is checked against the
    Rust realm rule: realm after the last `@` (before a later `!`) is a SAFE_ID of 2-32."""
    source, _ = PBS_REGEXES["AUTH_ID"]
    schema_ok = paula.Regex(source).is_match(value) and 3 <= len(value) <= 64
    at = value.rfind("@")
    bang = value.rfind("!")
    realm_end = bang if bang > at else len(value)
    realm = value[at + 1 : realm_end]
    token = value[realm_end + 1 :] if realm_end < len(value) else None
    safe_id = paula.Regex(PBS_REGEXES["SAFE_ID"][0])
    structure_ok = (
        at >= 0
        and realm_end != len(value) - 1
        and safe_id.is_match(realm)
        and 2 <= len(realm) <= 32
        and (token is None or safe_id.is_match(token))
    )
    try:
        ids.parse_authid(value)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted is (schema_ok and structure_ok), value
