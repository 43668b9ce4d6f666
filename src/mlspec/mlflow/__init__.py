"""Conversion between mlspec documents and MLflow tracking stores.

``export_document`` writes a document into a tracking store through
``MlflowClient``. ``import_store`` reads a tracking store, or a legacy
``mlruns/`` folder, back into a document. Both return a ``ConversionReport``
with the id map and every field that could not be carried over.

MLflow is an optional dependency (``pip install mlspec[mlflow]``). The
modules of this package import it only inside the functions that use it,
so importing the package works without it.
"""

from __future__ import annotations

from mlspec.mlflow.export import ExportError, export_document
from mlspec.mlflow.importer import import_store
from mlspec.mlflow.report import ConversionReport, ReportEntry
from mlspec.mlflow.runtime import MlflowMissingError, require_mlflow

__all__ = [
    "ConversionReport",
    "ExportError",
    "MlflowMissingError",
    "ReportEntry",
    "export_document",
    "import_store",
    "require_mlflow",
]
