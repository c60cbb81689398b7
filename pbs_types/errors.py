"""The one exception base of `pbs_types`: a value PBS would reject, worded as PBS words it."""

from __future__ import annotations


class PbsValueError(ValueError):
    """A value PBS rejects; `str(err)` (and `err.message`) is PBS's own error text.

    The simulator answers with `message` verbatim (e.g. after
    `parameter verification failed - '<param>': `), the providers show it in `check` failures.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
