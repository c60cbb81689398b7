"""PBS's own grammars as pure functions, shared by the simulator (`pbs_sim`) and the providers.

Every module here is plain Python without I/O: identifiers and paths (`ids`), the role table
(`roles`), PBS's string/integer schema constraints (`rules`), versions (`version`), HumanByte
sizes (`human_byte`), group filters (`group_filter`) and calendar events (`calendar`).
Failures raise subclasses of `errors.PbsValueError` (a `ValueError`) whose text is PBS's own
message, so the simulator can answer with it verbatim and the providers can show it.

Import the submodules directly; this package re-exports nothing.
"""
