"""Lazy access to the optional ``mlflow`` package."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from mlspec.errors import UsageError


class MlflowMissingError(UsageError):
    """The ``mlflow`` package is not installed."""


def require_mlflow() -> ModuleType:
    """Import ``mlflow``, or raise ``MlflowMissingError`` with the install command."""
    try:
        return importlib.import_module("mlflow")
    except ImportError as error:
        raise MlflowMissingError(
            "the MLflow commands need the mlflow package: "
            "install it with `pip install 'mlspec[mlflow]'`"
        ) from error


def mlflow_errors() -> tuple[type[BaseException], ...]:
    """Return the exception types that MLflow raises for a bad or unreachable store.

    ``ValueError`` is among them because MLflow's FileStore (3.17.2) raises
    it for a metric file with a malformed line.
    """
    import sqlalchemy.exc
    import yaml
    from mlflow.exceptions import MlflowException

    return (
        MlflowException,
        sqlalchemy.exc.SQLAlchemyError,
        OSError,
        ValueError,
        yaml.YAMLError,
    )


def search_model_versions(client: Any, name: str) -> list[Any]:
    """Return every version of the registered model ``name``.

    MLflow's filter strings have no escape for quotes (MLflow 3.17.2), so a
    name with a single quote is quoted with double quotes. A name with both
    kinds is matched in Python over all versions of all models.
    """
    if "'" not in name:
        return _all_pages(client, f"name = '{name}'")
    if '"' not in name:
        return _all_pages(client, f'name = "{name}"')
    return [version for version in _all_pages(client, None) if version.name == name]


def _all_pages(client: Any, filter_string: str | None) -> list[Any]:
    versions: list[Any] = []
    page_token = None
    while True:
        page = client.search_model_versions(filter_string, page_token=page_token)
        versions.extend(page)
        page_token = page.token
        if not page_token:
            return versions
