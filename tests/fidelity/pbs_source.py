"""PBS's own regular expressions, as written in its source, for the held-out comparisons.

Each constant is the regex text of a PBS schema (with its file and line in proxmox-rs, read at
commit f3305009a212), assembled the way the Rust source assembles it with `concatcp!`. The tests
compile these with the Rust `regex` crate (through `paula`) and use them as the oracle for
`pbs_types`, whose patterns are written for Python's `re`. Nothing here is imported by the product.
"""

from __future__ import annotations

# proxmox-schema/src/api_types.rs:7-34
IPV4OCTET = r"(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])"
IPV6H16 = r"(?:[0-9a-fA-F]{1,4})"
IPV4RE_STR = rf"(?:(?:{IPV4OCTET}\.){{3}}{IPV4OCTET})"
IPV6LS32 = rf"(?:(?:{IPV4RE_STR}|{IPV6H16}:{IPV6H16}))"
IPV6RE_STR = (
    r"(?:"
    rf"(?:(?:(?:{IPV6H16}:){{6}}){IPV6LS32})|"
    rf"(?:(?:::(?:{IPV6H16}:){{5}}){IPV6LS32})|"
    rf"(?:(?:(?:{IPV6H16})?::(?:{IPV6H16}:){{4}}){IPV6LS32})|"
    rf"(?:(?:(?:(?:{IPV6H16}:){{0,1}}{IPV6H16})?::(?:{IPV6H16}:){{3}}){IPV6LS32})|"
    rf"(?:(?:(?:(?:{IPV6H16}:){{0,2}}{IPV6H16})?::(?:{IPV6H16}:){{2}}){IPV6LS32})|"
    rf"(?:(?:(?:(?:{IPV6H16}:){{0,3}}{IPV6H16})?::(?:{IPV6H16}:){{1}}){IPV6LS32})|"
    rf"(?:(?:(?:(?:{IPV6H16}:){{0,4}}{IPV6H16})?::){IPV6LS32})|"
    rf"(?:(?:(?:(?:{IPV6H16}:){{0,5}}{IPV6H16})?::){IPV6H16})|"
    rf"(?:(?:(?:(?:{IPV6H16}:){{0,6}}{IPV6H16})?::))"
    r")"
)
IPRE_STR = rf"(?:{IPV4RE_STR}|{IPV6RE_STR})"

# proxmox-schema/src/api_types.rs:51, 54, 57
SAFE_ID_REGEX_STR = r"(?:[A-Za-z0-9_][A-Za-z0-9._\-]*)"
DNS_LABEL_STR = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)"
DNS_NAME_STR = rf"(?:(?:{DNS_LABEL_STR}\.)*{DNS_LABEL_STR})"

# proxmox-auth-api/src/types.rs:43-51
USER_NAME_REGEX_STR = r"(?:[^\s:/[:cntrl:]]+)"
USER_ID_REGEX_STR = rf"{USER_NAME_REGEX_STR}@{SAFE_ID_REGEX_STR}"
APITOKEN_ID_REGEX_STR = rf"{USER_ID_REGEX_STR}!{SAFE_ID_REGEX_STR}"

# pbs-api-types/src/lib.rs:67, 76-78
BACKUP_ID_RE = r"[A-Za-z0-9_][A-Za-z0-9._\-]*"
BACKUP_NS_RE = rf"(?:(?:{SAFE_ID_REGEX_STR}/){{0,7}}{SAFE_ID_REGEX_STR})?"

# The anchored regexes the schemas use (`const_regex!` blocks), by the pbs_types rule they back.
PBS_REGEXES: dict[str, tuple[str, str]] = {
    "SAFE_ID": (rf"^{SAFE_ID_REGEX_STR}$", "proxmox-schema/src/api_types.rs:93"),
    "USER_NAME": (rf"^{USER_NAME_REGEX_STR}$", "proxmox-auth-api/src/types.rs:54"),
    "USER_ID": (rf"^{USER_ID_REGEX_STR}$", "proxmox-auth-api/src/types.rs:56"),
    "AUTH_ID": (
        rf"^(?:{USER_ID_REGEX_STR}|{APITOKEN_ID_REGEX_STR})$",
        "proxmox-auth-api/src/types.rs:58",
    ),
    "SINGLE_LINE_COMMENT": (r"^[[:^cntrl:]]*$", "proxmox-schema/src/api_types.rs:97"),
    "PASSWORD": (r"^[[:^cntrl:]]*$", "proxmox-schema/src/api_types.rs:95"),
    "DNS_NAME_OR_IP": (rf"^(?:{DNS_NAME_STR}|{IPRE_STR})$", "proxmox-schema/src/api_types.rs:104"),
    "FINGERPRINT_SHA256": (
        r"^(?:[0-9a-fA-F][0-9a-fA-F])(?::[0-9a-fA-F][0-9a-fA-F]){31}$",
        "proxmox-schema/src/api_types.rs:111",
    ),
    "BACKUP_NAMESPACE": (rf"^{BACKUP_NS_RE}$", "pbs-api-types/src/lib.rs:76-79, datastore.rs:64-65"),
}
