"""Passwords in DSNs that libpq cannot parse stay out of messages."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mlspec.cli import main
from mlspec.store import StoreError, connect

SECRET = "S3cretPW"


@pytest.mark.parametrize(
    "dsn",
    [
        f"postgresql://user:{SECRET}@[/x",
        f"postgresql://user:{SECRET}%zz@/x?host=/nonexistent-socket-folder",
        f"host=/nonexistent password='{SECRET}",
    ],
)
def test_unparseable_dsn_hides_password(dsn):
    with pytest.raises(StoreError) as caught:
        connect(dsn)

    assert SECRET not in str(caught.value)


def test_cli_unparseable_dsn_hides_password():
    result = CliRunner().invoke(
        main, ["db", "--dsn", f"postgresql://u:{SECRET}@[/x", "init"]
    )

    assert result.exit_code != 0
    assert SECRET not in result.output
    assert "not a valid libpq connection string" in result.output
