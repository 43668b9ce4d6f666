"""Conversion between mlspec documents and MLflow tracking stores.

``export_document`` writes a document into a tracking store through
``MlflowClient``; ``import_store`` reads a tracking store, or a legacy
``mlruns/`` folder, back into a document. Both return a ``ConversionReport``
with the id map and every field that could not be carried over.

MLflow is an optional dependency (``pip install mlspec[mlflow]``), so this
package imports it only inside the functions that need it.
"""

from __future__ import annotations

from mlspec.mlflow.report import ConversionReport, ReportEntry
from mlspec.mlflow.runtime import MlflowMissingError, require_mlflow

__all__ = [
    "ConversionReport",
    "MlflowMissingError",
    "ReportEntry",
    "export_document",
    "import_store",
    "require_mlflow",
]


def export_document(*args, **kwargs) -> ConversionReport:
    """Write a document into an MLflow tracking store; see ``export.export_document``."""
    from mlspec.mlflow.export import export_document as _export

    return _export(*args, **kwargs)


def import_store(*args, **kwargs):
    """Read an MLflow tracking store into a document; see ``importer.import_store``."""
    from mlspec.mlflow.importer import import_store as _import

    return _import(*args, **kwargs)
