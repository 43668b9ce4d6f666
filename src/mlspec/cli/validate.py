"""``mlspec validate``: check documents against the spec and the cross-entity rules."""

from __future__ import annotations

import sys

import click

from mlspec.findings import BUSINESS_RULES
from mlspec.output import FORMATS, render
from mlspec.validator import PROFILES, ValidationReport, validate_paths

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _parse_severity(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    severities = {}
    for value in values:
        code, separator, level = value.partition("=")
        if not separator:
            raise click.BadParameter(f"{value!r} must look like RULE=error|warning|off")
        severities[code.strip()] = level.strip()
    return severities


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format: text lines, JSON, SARIF 2.1.0, JUnit XML or GitHub annotations.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="default",
    show_default=True,
    help="strict also requires ids like EXP-00000001 and RUN-0000000001 (8/10 digits or a 14-digit timestamp).",
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    callback=_parse_severity,
    metavar="RULE=LEVEL",
    help=f"Set a business rule to error, warning or off (repeatable): {', '.join(BUSINESS_RULES)}.",
)
def validate_command(
    paths: tuple[str, ...],
    output_format: str,
    strict: bool,
    profile: str,
    severities: dict[str, str],
) -> None:
    """Validate ML metadata documents: JSON, YAML or JSON Lines files, folders, or - for stdin.

    Exits 0 when every document is valid, 1 when any has an error, and 2
    for a usage error or an input that cannot be read or parsed.
    """
    report = validate_paths(
        paths, severities=severities, strict=strict, profile=profile
    )
    click.echo(render(report, output_format), nl=False)
    if output_format == "text":
        click.echo(_summary(report), err=True)
    sys.exit(exit_code(report))


def exit_code(report: ValidationReport) -> int:
    """Return the exit status: 2 when an input could not be read or parsed, else 1 or 0."""
    if report.unreadable or any(
        finding.rule.startswith(("io-", "parse-")) and finding.severity.value == "error"
        for finding in report.findings
    ):
        return EXIT_UNREADABLE
    return EXIT_VALID if report.valid else EXIT_INVALID


def _summary(report: ValidationReport) -> str:
    invalid = {finding.file for finding in report.errors}
    files = len(report.files) or len(set(report.unreadable))
    valid = max(files - len(invalid), 0)
    return (
        f"mlspec: checked {files} document(s): {valid} valid, {len(invalid)} invalid; "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    )
