"""Shared test helpers: every template a test synthesizes goes through cfn-lint here."""

from __future__ import annotations

import functools
import json
from typing import Any

from iam_constructs import silence_node_banner

silence_node_banner()  # before aws_cdk starts jsii

import aws_cdk as cdk  # noqa: E402
from aws_cdk import assertions

MINIMAL_ROSTER = """\
version: 1
groups:
  - name: devs
users:
  - name: jane
    groups: [devs]
    tags: {Owner: a, Purpose: b}
"""
"""The least a roster needs: one group, one user in it with the required tags; all else defaults
(tests read jane at line 5)."""


@functools.cache
def _lint_config():
    from cfnlint.api import ManualArgs  # here, not above: tests that only read rosters skip cfn-lint's import
    return ManualArgs(regions=["us-east-1"])


def cfn_lint_findings(template: dict[str, Any]) -> list[str]:
    """cfn-lint findings (errors, warnings and informational) for one template, as text lines."""
    from cfnlint.api import lint
    matches = lint(json.dumps(template), config=_lint_config())
    return [f"{m.rule.id} {m.message} ({'/'.join(str(x) for x in m.path)})" for m in matches]


def assert_lint_clean(template: dict[str, Any]) -> None:
    findings = cfn_lint_findings(template)
    assert findings == [], "cfn-lint findings:\n" + "\n".join(findings)


def template(stack: cdk.Stack) -> assertions.Template:
    """The stack's template for assertions, after asserting cfn-lint finds nothing in it."""
    t = assertions.Template.from_stack(stack)
    assert_lint_clean(t.to_json())
    return t


def new_stack(name: str = "TestStack", app: cdk.App | None = None, **kwargs: Any) -> cdk.Stack:
    app = app or cdk.App()
    return cdk.Stack(app, name, **kwargs)


TAGS = {"Owner": "platform", "Purpose": "test"}


def resources_of_type(t: assertions.Template, cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in t.to_json().get("Resources", {}).items() if v["Type"] == cfn_type}
