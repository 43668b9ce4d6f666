"""mlspec: a JSON Schema specification of machine-learning metadata.

The public API: ``validate`` checks a document and returns ``Finding``
objects; ``load_spec`` returns the loaded schema files.
"""

from __future__ import annotations

__version__ = "1.0.0"

from mlspec.errors import InputError, MlspecError, SpecError, UsageError
from mlspec.findings import RULES, Finding, Severity
from mlspec.spec import SPEC_VERSION, Spec, load_spec

__all__ = [
    "RULES",
    "SPEC_VERSION",
    "Finding",
    "InputError",
    "MlspecError",
    "Severity",
    "Spec",
    "SpecError",
    "UsageError",
    "__version__",
    "load_spec",
]
