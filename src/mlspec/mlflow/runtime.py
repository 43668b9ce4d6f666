"""Lazy access to the optional ``mlflow`` package."""

from __future__ import annotations

import importlib
from types import ModuleType

from mlspec.errors import UsageError


class MlflowMissingError(UsageError):
    """The ``mlflow`` package is not installed."""


def require_mlflow() -> ModuleType:
    """Import and return ``mlflow``, or raise ``MlflowMissingError`` with the install command."""
    try:
        return importlib.import_module("mlflow")
    except ImportError as error:
        raise MlflowMissingError(
            "the MLflow commands need the mlflow package: "
            "install it with `pip install 'mlspec[mlflow]'`"
        ) from error
