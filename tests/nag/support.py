import datetime as dt

from aws_cdk import assertions

from iam_constructs.nag import RULES, Assembly, StackTemplate, check
from tests.support import template

TODAY = dt.date(2026, 11, 23)


def findings(stacks, rule_id, today=TODAY, required_tags=("Owner", "Purpose")):
    """The pack's findings for one rule over the stacks' templates (each cfn-lint clean)."""
    stacks = stacks if isinstance(stacks, (list, tuple)) else [stacks]
    templates = [StackTemplate(s.stack_name, template(s).to_json()) for s in stacks]
    rule = next(r for r in RULES if r.id == rule_id)
    return check(Assembly(templates, today=today, required_tags=required_tags), [rule])


def raw_findings(bodies: dict, rule_id, today=TODAY):
    """For L1-only templates that cfn-lint would rightly reject (e.g. a literal password)."""
    rule = next(r for r in RULES if r.id == rule_id)
    return check(Assembly([StackTemplate(k, v) for k, v in bodies.items()], today=today), [rule])


__all__ = ["findings", "raw_findings", "TODAY", "assertions"]
