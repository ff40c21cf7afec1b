"""The iam-constructs cdk-nag rule pack (a CDK validation plugin) and its rules."""

from .model import App, Compliance, Level, Template
from .pack import PACK_NAME, RULE_IDS, RULES, Finding, IamConstructsChecks, Rule, check, load_templates

__all__ = ["App", "Compliance", "Finding", "IamConstructsChecks", "Level", "PACK_NAME", "RULE_IDS", "RULES", "Rule",
           "Template", "check", "load_templates"]
