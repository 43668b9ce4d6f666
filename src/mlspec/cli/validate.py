"""``mlspec validate``: check documents against the spec and the cross-entity rules."""

from __future__ import annotations

import re
import sys
from dataclasses import replace

import click

from mlspec.findings import BUSINESS_RULES
from mlspec.output import FORMATS, render
from mlspec.validator import PROFILES, ValidationReport, validate_paths

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2

# A key or file name may contain control characters and bidirectional
# overrides. Printed raw, they would split a finding over lines or restyle
# the terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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
    shown = _printable_report(report) if output_format == "text" else report
    click.echo(render(shown, output_format), nl=False)
    if output_format == "text":
        click.echo(_summary(report), err=True)
    sys.exit(exit_code(report))


def _printable_report(report: ValidationReport) -> ValidationReport:
    """Return a copy of ``report`` whose file names, pointers and messages print safely."""
    findings = [
        replace(
            finding,
            file=printable(finding.file),
            pointer=printable(finding.pointer),
            message=printable(finding.message),
        )
        for finding in report.findings
    ]
    return replace(report, findings=findings)


def printable(line: str) -> str:
    """Return ``line`` with control characters written as escapes such as ``\\n``."""
    return _UNPRINTABLE.sub(
        lambda match: match.group().encode("unicode_escape").decode("ascii"), line
    )


def exit_code(report: ValidationReport) -> int:
    """Return the exit status: 2 when an input could not be read or parsed, else 1 or 0."""
    if report.unreadable or any(
        finding.rule.startswith(("io-", "parse-")) and finding.severity.value == "error"
        for finding in report.findings
    ):
        return EXIT_UNREADABLE
    return EXIT_VALID if report.valid else EXIT_INVALID


def _checked(report: ValidationReport) -> list[str]:
    """Return every input, once per time it was named, readable or not."""
    return report.files + [
        name for name in report.unreadable if name not in report.files
    ]


def _summary(report: ValidationReport) -> str:
    invalid = {finding.file for finding in report.errors}
    checked = _checked(report)
    failed = sum(1 for name in checked if name in invalid)
    return (
        f"mlspec: checked {len(checked)} document(s): {len(checked) - failed} valid, "
        f"{failed} invalid; "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    )
