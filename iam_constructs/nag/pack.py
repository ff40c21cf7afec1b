"""IamConstructsChecks: the rule pack, as a CDK validation plugin that reads the synthesized
templates in Python (one call from the CDK per synth, not several per resource).

Register and acknowledge exactly as with cdk-nag 3's packs::

    Validations.of(app).add_plugins(IamConstructsChecks())
    Validations.of(user).acknowledge(Acknowledgment(
        id="IamConstructs::IamConstructs-ConsoleAndKeys", reason="break-glass user"))
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from types import ModuleType
from typing import Iterable, Sequence

import aws_cdk as cdk
import jsii

from .. import defaults
from .model import Assembly, Compliance, Level, TemplateResource, RuleFunction, StackTemplate
from .rules import (console_and_keys, console_user_mfa, credential_secret_cmk, credentials_key_administrators,
                    login_profile_password,
                    no_admin_access, no_direct_user_policies, password_policy_cis, password_reset_required,
                    required_tags, user_in_group, user_not_expired)

PACK_NAME = "IamConstructs"
VERSION = "0.1.0"


@dataclass(frozen=True)
class Rule:
    suffix: str
    level: Level
    info: str
    explanation: str
    module: ModuleType  # the rule's module: rule(), TYPES

    @property
    def id(self) -> str:
        return f"{PACK_NAME}-{self.suffix}"

    @property
    def acknowledgement_id(self) -> str:
        """What ``Validations.of(x).acknowledge(Acknowledgment(id=...))`` takes."""
        return f"{PACK_NAME}::{self.id}"

    @property
    def check(self) -> RuleFunction:
        return self.module.rule

    @property
    def types(self) -> tuple[str, ...]:
        return self.module.TYPES


def _rule(suffix, level, info, explanation, module) -> Rule:
    return Rule(suffix, level, info, explanation, module)


E, W = Level.ERROR, Level.WARNING

RULES: tuple[Rule, ...] = (
    _rule("LoginProfilePassword", E, "A login profile's password is not a Secrets Manager reference or a NoEcho parameter.",
          "A literal password is readable by anyone who can read the template, the stack or cdk.out.",
          login_profile_password),
    _rule("PasswordResetRequired", W, "A login profile does not require a password reset at first sign-in.",
          "The person who set the first password should not be able to keep using it.", password_reset_required),
    _rule("ConsoleUserMfa", E, "A console user is in no group that denies access without MFA (BoolIfExists).",
          "Without the deny, a stolen password is enough; a plain Bool condition misses long-term-key requests.",
          console_user_mfa),
    _rule("ConsoleAndKeys", E, "A user has both a login profile and an access key.",
          "Long-lived keys on a person's user outlive the person's session controls; people sign in, bots use keys.",
          console_and_keys),
    _rule("NoDirectUserPolicies", E, "A policy is attached straight to a user.",
          "Permissions on users sprawl and escape review; groups keep them in one place.", no_direct_user_policies),
    _rule("UserInGroup", W, "A user is in no group.",
          "Every user's permissions should come from a reviewed group.", user_in_group),
    _rule("NoAdminAccess", E, "A user or group is allowed every action, or has AdministratorAccess, PowerUserAccess or IAMFullAccess.",
          "Broad grants on long-lived IAM users are the costliest credential to leak; acknowledge deliberate ones with the reason.",
          no_admin_access),
    _rule("RequiredTags", W, "A user lacks a required tag (Owner, Purpose by default).",
          "Untagged users have no one to ask when they look stale.", required_tags),
    _rule("UserNotExpired", E, "A user's Expiry tag is in the past or not a date.",
          "An expired user still holding credentials is exactly what attackers look for.", user_not_expired),
    _rule("PasswordPolicyCis", E, "The account password policy does not meet CIS (14+, reuse 24, max age 90, all classes).",
          "CIS AWS Foundations 1.8-1.9 set the floor auditors check.", password_policy_cis),
    _rule("CredentialSecretCmk", W, "A secret holding credentials uses the AWS-managed key.",
          "A customer-managed key lets the key policy, not only IAM, decide who can decrypt credentials.",
          credential_secret_cmk),
    _rule("CredentialsKeyAdministrators", W, "A KMS key that encrypts credentials grants administration or use to the account root.",
          "A root principal hands the key to every principal whose IAM policies allow kms:* (PowerUserAccess among "
          "them): naming administrators and readers keeps credentials readable only by whom the roster says.",
          credentials_key_administrators),
)
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)


@dataclass(frozen=True)
class RuleFinding:
    rule: Rule
    resource: TemplateResource
    detail: str

    def __str__(self) -> str:
        return f"{self.rule.id} {self.rule.level.value} {self.resource.path}: {self.detail}"


def check(app: Assembly, rules: Sequence[Rule] = RULES) -> list[RuleFinding]:
    """Runs every rule over every resource of its types; a rule that raises becomes a finding."""
    findings: list[RuleFinding] = []
    for rule in rules:
        for resource in app.resources(*rule.types):
            try:
                result = rule.check(resource, app)
            except Exception as e:  # a rule bug must not hide the resource
                findings.append(RuleFinding(rule, resource, f"the rule could not evaluate this resource ({type(e).__name__}: {e})"))
                continue
            if result.compliance is Compliance.NON_COMPLIANT:
                findings.append(RuleFinding(rule, resource, result.detail))
    return findings


def load_templates(paths: Iterable[str]) -> list[StackTemplate]:
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            out.append(StackTemplate(path, json.load(f)))
    return out


@jsii.implements(cdk.IPolicyValidationPluginBeta1)
class IamConstructsChecks:
    """Checks IAM users, groups, credentials and the password policy in every template of the app.

    :param required_tags: tags every user must carry. Default: ``("Owner", "Purpose")``.
    :param today: the date ``Expiry`` tags are compared with. Default: the day of the synth.
    """

    def __init__(self, *, required_tags: Sequence[str] = defaults.REQUIRED_USER_TAGS,
                 today: _dt.date | None = None) -> None:
        self._required_tags = tuple(required_tags)
        self._today = today
        self.last_findings: list[RuleFinding] = []
        """Every finding of the last validation, before acknowledgements."""

    @property
    def name(self) -> str:
        return PACK_NAME

    @property
    def version(self) -> str:
        return VERSION

    @property
    def rule_ids(self) -> list[str]:
        return list(RULE_IDS)

    def validate(self, context: cdk.IPolicyValidationContextBeta1) -> cdk.PolicyValidationPluginReportBeta1:
        app = Assembly(load_templates(context.template_paths), today=self._today or _dt.date.today(),
                  required_tags=self._required_tags)
        self.last_findings = check(app)
        violations = [cdk.PolicyViolationBeta1(
            rule_name=f.rule.id, severity=f.rule.level.value,
            description=f"{f.rule.info} Here: {f.detail}.",
            violating_resources=[cdk.PolicyViolatingResourceBeta1(
                resource_logical_id=f.resource.logical_id, template_path=f.resource.template_path,
                locations=["Properties"])]) for f in self.last_findings]
        return cdk.PolicyValidationPluginReportBeta1(
            success=not any(f.rule.level is Level.ERROR for f in self.last_findings),
            violations=violations, plugin_version=VERSION)
