"""mlspec: a JSON Schema specification of machine-learning metadata.

The public API: ``validate`` checks a document and returns a
``ValidationReport`` of ``Finding`` objects. ``read_document`` and
``iter_records`` read documents into the in-memory form, and ``load_spec``
returns the loaded schema files.
"""

from __future__ import annotations

__version__ = "1.0.0"

from mlspec.compare import RunComparison, compare_runs
from mlspec.document import (
    Document,
    InvalidDocumentError,
    ModelVersion,
    ParameterConflictError,
    Run,
    SaveError,
)
from mlspec.document import (
    open as open,
)
from mlspec.errors import InputError, MlspecError, SpecError, UsageError
from mlspec.findings import RULES, Finding, Severity
from mlspec.reader import DocumentError, iter_records, read_document
from mlspec.spec import SPEC_VERSION, Spec, load_spec
from mlspec.validator import ValidationReport, validate, validate_paths

# ``open`` stays out of ``__all__`` so that ``from mlspec import *`` cannot
# shadow the built-in ``open``; call it as ``mlspec.open``.
__all__ = [
    "RULES",
    "SPEC_VERSION",
    "Finding",
    "Document",
    "DocumentError",
    "InputError",
    "InvalidDocumentError",
    "MlspecError",
    "ModelVersion",
    "ParameterConflictError",
    "Run",
    "RunComparison",
    "SaveError",
    "Severity",
    "Spec",
    "SpecError",
    "UsageError",
    "ValidationReport",
    "__version__",
    "compare_runs",
    "iter_records",
    "load_spec",
    "read_document",
    "validate",
    "validate_paths",
]
