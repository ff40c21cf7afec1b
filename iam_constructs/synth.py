"""What every synthesis of the roster shares: the rule packs, and reading a failed validation."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks
from constructs import Construct

from .nag import IamConstructsChecks


def add_rule_packs(app: Construct, *, only_ours: bool = False) -> None:
    """AwsSolutions, NIST 800-53 R5 and this library's pack (or only the last), as validation plugins."""
    packs = [IamConstructsChecks()] if only_ours else [AwsSolutionsChecks(app), NIST80053R5Checks(app),
                                                        IamConstructsChecks()]
    cdk.Validations.of(app).add_plugins(*packs)


def unacknowledged(outdir: str) -> list[str]:
    """One line per unacknowledged violation in ``outdir/validation-report.json``."""
    path = Path(outdir) / "validation-report.json"
    if not path.exists():
        return []
    report = json.loads(path.read_text())
    return [f"{v.get('severity', 'error')}: {v['ruleName']}: {c['constructPath']}: {v['description']}"
            for p in report.get("pluginReports", []) for v in p.get("violations", [])
            for c in v.get("violatingConstructs", [])]
