"""Exceptions that mlspec raises on purpose.

Every error that the library raises for bad input, a bad spec or a failed
store operation derives from ``MlspecError``, so callers can catch one type.
The command line prints these as one line and exits with a non-zero code
instead of a traceback.
"""

from __future__ import annotations


class MlspecError(Exception):
    """Base class of every error mlspec raises on purpose."""

    exit_code = 1


class UsageError(MlspecError):
    """A command or API call was made with wrong arguments."""

    exit_code = 2


class InputError(MlspecError):
    """An input file cannot be read at all (missing, a directory, denied)."""

    exit_code = 2


class SpecError(MlspecError):
    """The schema files under ``spec/`` are broken: bad JSON, a bad ``$id``, a dangling ``$ref``."""

    exit_code = 2
