"""The iam-constructs cdk-nag rule pack (a CDK validation plugin) and its rules."""

from .model import Assembly, Compliance, Level, StackTemplate
from .pack import PACK_NAME, RULE_IDS, RULES, RuleFinding, IamConstructsChecks, Rule, check, load_templates

__all__ = ["Assembly", "Compliance", "RuleFinding", "IamConstructsChecks", "Level", "PACK_NAME", "RULE_IDS", "RULES",
           "Rule", "StackTemplate", "check", "load_templates"]
