"""Exceptions of the Document API."""

from __future__ import annotations

from collections.abc import Sequence

from mlspec.errors import MlspecError, UsageError
from mlspec.findings import Finding


class InvalidDocumentError(MlspecError):
    """Raised when a document fails validation, on load or before a save.

    ``findings`` lists every problem the validator reported.
    """

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = list(findings)


class SaveError(MlspecError):
    """Raised when writing a document fails. The file at the path keeps its content."""


class ParameterConflictError(UsageError):
    """Raised when a parameter is logged again with a different value, as in MLflow."""
