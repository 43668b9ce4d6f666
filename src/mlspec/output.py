"""Findings in the formats CI systems read: text, JSON, SARIF 2.1.0, JUnit XML, GitHub.

Each function takes a ``ValidationReport`` and returns the whole output as
one string, so the command line only chooses and prints.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import quote

from mlspec import __version__
from mlspec.findings import RULES, Finding, Severity
from mlspec.validator import ValidationReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

FORMATS = ("text", "json", "sarif", "junit", "github")


def render(report: ValidationReport, output_format: str) -> str:
    """Return the report in ``output_format``, one of ``FORMATS``."""
    renderers = {
        "text": to_text,
        "json": to_json,
        "sarif": to_sarif,
        "junit": to_junit,
        "github": to_github,
    }
    return renderers[output_format](report)


def to_text(report: ValidationReport) -> str:
    """Return one line per finding: ``file:line:col: pointer: message [rule]``."""
    return "".join(finding.format_text() + "\n" for finding in report.findings)


def to_json(report: ValidationReport) -> str:
    invalid = {finding.file for finding in report.errors}
    data = {
        "valid": report.valid,
        "documents": [
            {"file": name, "valid": name not in invalid} for name in report.checked
        ],
        "findings": [finding.to_dict() for finding in report.findings],
        "summary": {
            "documents": len(report.checked),
            "errors": len(report.errors),
            "warnings": len(report.warnings),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: ValidationReport) -> str:
    """Return a SARIF 2.1.0 log with one run and every rule code as a reporting descriptor."""
    codes = list(RULES)
    rules = [
        {
            "id": code,
            "name": _camel(code),
            "shortDescription": {"text": rule.summary},
            "help": {"text": f"Rule {code}: see docs/rules.md in the mlspec sources."},
            "defaultConfiguration": {"level": _sarif_level(rule.severity)},
        }
        for code, rule in RULES.items()
    ]
    results = [
        _sarif_result(finding, codes.index(finding.rule)) for finding in report.findings
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlspec",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
                # Columns count Unicode code points, as Python strings do.
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _sarif_result(finding: Finding, rule_index: int) -> dict:
    physical: dict = {"artifactLocation": {"uri": _uri(finding.file)}}
    if finding.line:
        physical["region"] = {
            "startLine": finding.line,
            "startColumn": finding.column or 1,
        }
    location: dict = {"physicalLocation": physical}
    if finding.pointer:
        location["logicalLocations"] = [
            {"fullyQualifiedName": finding.pointer, "kind": "object"}
        ]
    result = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _sarif_level(finding.severity),
        "message": {"text": f"{finding.pointer or '/'}: {finding.message}"},
        "locations": [location],
    }
    if finding.schema_path:
        result["properties"] = {"schemaPath": finding.schema_path}
    return result


def _sarif_level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _uri(name: str) -> str:
    """Return a relative URI for files under the working directory, else the path as a URI."""
    if name.startswith("<"):
        return name.strip("<>")
    path = Path(name)
    try:
        return quote(path.resolve().relative_to(Path.cwd().resolve()).as_posix())
    except ValueError:
        return path.resolve().as_uri()


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("-"))


def to_junit(report: ValidationReport) -> str:
    """JUnit XML: one test case per document, failing with its error findings."""
    suites = ElementTree.Element("testsuites", name="mlspec validate")
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name="mlspec validate",
        tests=str(len(report.checked)),
        failures=str(len({finding.file for finding in report.errors})),
        errors="0",
        skipped="0",
    )
    for name in report.checked:
        case = ElementTree.SubElement(
            suite, "testcase", classname="mlspec.validate", name=name
        )
        errors = [finding for finding in report.errors if finding.file == name]
        warnings = [finding for finding in report.warnings if finding.file == name]
        if errors:
            failure = ElementTree.SubElement(
                case,
                "failure",
                type=errors[0].rule,
                message=f"{len(errors)} error(s): {errors[0].message}",
            )
            failure.text = "".join(finding.format_text() + "\n" for finding in errors)
        if warnings:
            output = ElementTree.SubElement(case, "system-out")
            output.text = "".join(finding.format_text() + "\n" for finding in warnings)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def to_github(report: ValidationReport) -> str:
    """GitHub Actions workflow commands that annotate the files, one per finding."""
    lines = []
    for finding in report.findings:
        command = "error" if finding.severity is Severity.ERROR else "warning"
        properties = [f"file={_escape_property(finding.file)}"]
        if finding.line:
            properties.append(f"line={finding.line}")
            properties.append(f"col={finding.column or 1}")
        properties.append(f"title={_escape_property(finding.rule)}")
        message = _escape_data(f"{finding.pointer or '/'}: {finding.message}")
        lines.append(f"::{command} {','.join(properties)}::{message}\n")
    return "".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
