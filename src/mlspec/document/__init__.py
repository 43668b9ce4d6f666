"""Record ML metadata in an mlspec document from training code, without a server.

``Document`` keeps a document as plain JSON data in the canonical in-memory
form (the form ``mlspec.read_document`` returns). Every method checks its
input against the spec before it changes anything, so a call that raises
leaves the document as it was. ``save`` validates the whole document and then
replaces the file atomically.

Metrics of a run are stored in the compact map form (name to value) while
every metric has one value logged without a step or timestamp. The first
call that needs history (a second value for a metric, a step other than 0 or
an explicit timestamp) turns the run's metrics into a list of points, each
with its step and timestamp.
"""

from mlspec.document.core import Document
from mlspec.document.core import open as open
from mlspec.document.entities import (
    Entity,
    Experiment,
    ModelVersion,
    RegisteredModel,
    Run,
)
from mlspec.document.errors import (
    InvalidDocumentError,
    ParameterConflictError,
    SaveError,
)
from mlspec.document.storage import serialize, write_atomically
from mlspec.document.values import format_timestamp

# ``open`` stays out of ``__all__`` so that a star import cannot shadow the
# built-in ``open``.
__all__ = [
    "Document",
    "Entity",
    "Experiment",
    "InvalidDocumentError",
    "ModelVersion",
    "ParameterConflictError",
    "RegisteredModel",
    "Run",
    "SaveError",
    "format_timestamp",
    "serialize",
    "write_atomically",
]
