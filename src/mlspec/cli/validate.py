"""``mlspec validate``: check documents against the spec and the cross-entity rules."""

from __future__ import annotations

import click


@click.command("validate")
def validate_command() -> None:
    """Validate ML metadata documents."""
    raise NotImplementedError
