"""PBS's own grammars as pure functions: the shared layer of the simulator (`pbs_sim`) and the providers.

Like PBS's `pbs-api-types` crate, which its client and server both build on, this package sits
beside both sides and imports neither. Every module is plain Python without I/O: identifiers
and paths (`ids`), the role table (`roles`), PBS's string/integer schema constraints (`rules`),
versions (`version`), HumanByte sizes (`human_byte`), group filters (`group_filter`, with the
Rust `regex` crate), calendar events (`calendar`) and what PBS's config files do to a value
(`config_text`). Failures raise subclasses of `errors.PbsValueError` (a `ValueError`) whose text
is PBS's own message, so the simulator can answer with it verbatim and the providers can show it.

Import the submodules directly; this package re-exports nothing.
"""
