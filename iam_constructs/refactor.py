"""Moving users between stacks without replacing them: CloudFormation stack refactoring.

A user's stack is ``sha256(lower(name)) mod account.user_stacks``, so raising ``user_stacks`` (or
changing ``stack_prefix``) moves users. Deployed as is, CloudFormation would delete each moved user
from one stack and create it in another, destroying its keys and login profile. A stack refactor
(CreateStackRefactor + ExecuteStackRefactor) moves the deployed resources instead. It cannot
create, delete or change a resource, and it touches at most 5 stacks at once, so the move is:

1. prepare: deploy the source stacks with the moved users' stack-bound resources taken out (the
   cleanup custom resource: its ServiceToken is its own stack's function, which cannot follow it)
   and ``{"Ref": "AWS::StackName"}`` in their resources written as the literal stack name (a
   refactor refuses a resource that moves into a new stack using it); the values do not change;
2. refactor: one CreateStackRefactor per batch of at most 5 stacks, executed in order; after each
   one every user is in exactly one stack;
3. deploy the new roster: the cleanup resources come back, the stack tag names the new stack;
4. delete the user stacks the new roster no longer has (they hold no user any more).

The resources of each user are those ``_user_template.user_resources`` emits for it, so the mapping
follows the code that makes them.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from . import limits
from .errors import Problem

MAX_STACKS_PER_REFACTOR = 5  # CloudFormation: a refactor moves resources between 2 to 5 stacks
STACK_PSEUDO_PARAMETERS = ("AWS::StackName", "AWS::StackId", "AWS::NotificationARNs")
PLACEHOLDER = "RefactorPlaceholder"  # keeps a source stack from becoming empty (refused by refactor)


@dataclass(frozen=True)
class Move:
    user: str
    source: str
    destination: str


def _user_plan(roster, user) -> Any:
    """The fields ``user_resources`` reads, from a roster user (as ``roster.builder`` passes them)."""
    from . import credentials as cr
    from .plan import key_slots
    console = SimpleNamespace(initial_password=cr.GENERATED, password_reset_required=user.password_reset_required,
                              password_readers=tuple(user.password_readers)) if user.console else None
    return SimpleNamespace(
        user_name=user.name, path=user.path, tags=dict(user.tags), group_refs=tuple(user.groups),
        boundary=user.permissions_boundary, direct_policies=(), console=console, password_reference=None,
        password_from_parameter=False, password_policy=None, password_length=32, disabled=user.disabled,
        slots=tuple(key_slots(user)), key_id=None,
        cleanup_token="cleanup" if roster.user_cleanup and user.cleanup_on_delete else None)


def user_resources(roster, user) -> dict[str, dict[str, Any]]:
    """The user's resources as the library emits them (values simplified; ids and types exact)."""
    from ._user_template import user_resources as emit
    return emit(_user_plan(roster, user))[1]


def stack_bound(resource: dict[str, Any]) -> bool:
    """A custom resource: its ServiceToken is its own stack's function, so it cannot move."""
    return "ServiceToken" in (resource.get("Properties") or {})


def moved_resources(roster, user) -> tuple[list[str], list[str]]:
    """(logical ids the refactor moves, logical ids taken out before and made again after)."""
    moved: list[str] = []
    bound: list[str] = []
    for lid, resource in user_resources(roster, user).items():
        (bound if stack_bound(resource) else moved).append(lid)
    return sorted(moved), sorted(bound)


def batches(moves: Iterable[Move], max_stacks: int = MAX_STACKS_PER_REFACTOR) -> list[list[tuple[str, str]]]:
    """(source, destination) pairs grouped so that each refactor touches at most ``max_stacks``
    stacks; pairs that add no new stack to a batch go first."""
    remaining = sorted({(m.source, m.destination) for m in moves})
    out: list[list[tuple[str, str]]] = []
    while remaining:
        stacks: set[str] = set()
        batch: list[tuple[str, str]] = []
        while True:
            best = None
            for pair in remaining:
                extra = len(set(pair) - stacks)
                if len(stacks) + extra <= max_stacks and (best is None or extra < best[0]):
                    best = (extra, pair)
                    if extra == 0:
                        break
            if best is None:
                break
            stacks.update(best[1])
            batch.append(best[1])
            remaining.remove(best[1])
        out.append(batch)
    return out


def _refs(node: Any) -> set[str]:
    """Logical ids a template fragment references (Ref, Fn::GetAtt, Fn::Sub ${X}), pseudo parameters left out."""
    import re
    found: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v)
            elif k == "Fn::GetAtt":
                target = v[0] if isinstance(v, list) and v else v.split(".")[0] if isinstance(v, str) else None
                if isinstance(target, str):
                    found.add(target)
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) and v else v
                if isinstance(text, str):
                    found.update(m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text))
                found |= _refs(v)
            else:
                found |= _refs(v)
        if "DependsOn" in node:
            d = node["DependsOn"]
            found.update([d] if isinstance(d, str) else d if isinstance(d, list) else [])
    elif isinstance(node, list):
        for v in node:
            found |= _refs(v)
    return {r for r in found if not r.startswith("AWS::")}


def _literal_stack_name(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        if node == {"Ref": "AWS::StackName"}:
            return name
        return {k: _literal_stack_name(v, name) for k, v in node.items()}
    if isinstance(node, list):
        return [_literal_stack_name(v, name) for v in node]
    return node


@dataclass
class Refactor:
    """Everything the move needs, computed from the rosters and the deployed templates."""

    prepare: dict[str, dict[str, Any]]          # source stack -> template to deploy first
    requests: list[dict[str, Any]]              # CreateStackRefactor parameters, in order
    templates: list[dict[str, dict[str, Any]]]  # per request: stack -> template
    final: dict[str, dict[str, Any]]            # stack -> template after every refactor
    new_stacks: list[str]
    retired_stacks: list[str]                   # user stacks the new roster no longer has
    mappings: list[dict[str, Any]]


def build(base, new, moves: list[Move], templates: dict[str, dict[str, Any]], *,
          template_url: str | None = None, label: str = "templates") -> tuple[Refactor | None, list[Problem]]:
    """The refactor for ``moves`` from the deployed ``templates`` (stack name -> template)."""
    from .plan import user_stack_name
    problems: list[Problem] = []
    by_name = {u.name.lower(): u for u in base.users}
    base_stacks = [user_stack_name(base, i) for i in range(base.user_stacks)]
    new_stack_names = [user_stack_name(new, i) for i in range(new.user_stacks)]
    state: dict[str, dict[str, Any]] = {}
    for s in sorted({m.source for m in moves} | {m.destination for m in moves}):
        if s in templates:
            state[s] = copy.deepcopy(templates[s])
        elif s in base_stacks:
            problems.append(Problem(f"{label}/{s}.template.json:0", "--templates",
                                    f"the deployed template of {s} is missing; add it (aws cloudformation get-template "
                                    f"--stack-name {s} --query TemplateBody)"))
        else:
            state[s] = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}
    if problems:
        return None, problems
    created = sorted(s for s in state if s not in base_stacks)
    ids_of: dict[str, list[str]] = {}
    for m in moves:
        user = by_name[m.user.lower()]
        moved, bound = moved_resources(base, user)
        ids_of[m.user] = moved
        resources = state[m.source].setdefault("Resources", {})
        for lid in moved:
            if lid not in resources:
                problems.append(Problem(f"{label}/{m.source}.template.json:0", "Resources",
                                        f"{lid} ({m.user}) is not in the deployed template of {m.source}; give the "
                                        "templates of the deployed BASE roster"))
        for lid in bound:
            resources.pop(lid, None)
        for lid in moved:
            if lid in resources:
                resources[lid] = _literal_stack_name(resources[lid], m.source)
                left = [p for p in STACK_PSEUDO_PARAMETERS if p in json.dumps(resources[lid])]
                if left:
                    problems.append(Problem(f"{label}/{m.source}.template.json:0", f"Resources.{lid}",
                                            f"uses {', '.join(left)}, which a refactor refuses in a resource that "
                                            "moves to a new stack"))
    if problems:
        return None, problems
    # Nothing that stays may reference what moves, and what moves may reference only itself.
    moving_from: dict[str, set[str]] = {}
    for m in moves:
        moving_from.setdefault(m.source, set()).update(ids_of[m.user])
    for m in moves:
        own = set(ids_of[m.user])
        for lid in ids_of[m.user]:
            outside = _refs(state[m.source]["Resources"][lid]) - own
            if outside:
                problems.append(Problem(f"{label}/{m.source}.template.json:0", f"Resources.{lid}",
                                        f"references {', '.join(sorted(outside))}, which does not move with {m.user}"))
    for s, ids in moving_from.items():
        template = state[s]
        for lid, res in template["Resources"].items():
            if lid not in ids and _refs(res) & ids:
                problems.append(Problem(f"{label}/{s}.template.json:0", f"Resources.{lid}",
                                        f"references {', '.join(sorted(_refs(res) & ids))}, which moves to another stack"))
        if _refs(template.get("Outputs", {})) & ids:
            problems.append(Problem(f"{label}/{s}.template.json:0", "Outputs", "an output references a moving user"))
        if not set(template["Resources"]) - ids:
            template["Resources"][PLACEHOLDER] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    if problems:
        return None, problems
    prepare = {s: copy.deepcopy(state[s]) for s in sorted(moving_from)}
    pairs: dict[tuple[str, str], list[Move]] = {}
    for m in moves:
        pairs.setdefault((m.source, m.destination), []).append(m)
    requests, per_request, all_mappings = [], [], []
    for n, batch in enumerate(batches(moves), 1):
        mappings = []
        for pair in batch:
            for m in sorted(pairs[pair], key=lambda m: m.user):
                src, dst = state[m.source]["Resources"], state[m.destination]["Resources"]
                for lid in ids_of[m.user]:
                    dst[lid] = src.pop(lid)
                    mappings.append({"Source": {"StackName": m.source, "LogicalResourceId": lid},
                                     "Destination": {"StackName": m.destination, "LogicalResourceId": lid}})
        stacks = sorted({s for pair in batch for s in pair})
        snapshot = {s: copy.deepcopy(state[s]) for s in stacks}
        definitions = []
        for s in stacks:
            body = json.dumps(snapshot[s], sort_keys=True)
            if len(body.encode()) > limits.TEMPLATE_BODY_MAX_BYTES:
                problems.append(Problem(f"{label}:0", "Resources",
                                        f"refactor {n}: {s}'s template would be {len(body.encode()):,} bytes, over "
                                        f"CloudFormation's {limits.TEMPLATE_BODY_MAX_BYTES:,}"))
            elif template_url:
                definitions.append({"StackName": s, "TemplateURL": f"{template_url.rstrip('/')}/refactor-{n:03d}/{s}.template.json"})
            elif len(body.encode()) <= limits.TEMPLATE_INLINE_MAX_BYTES:
                definitions.append({"StackName": s, "TemplateBody": body})
            else:
                problems.append(Problem(f"{label}:0", "--template-url",
                                        f"refactor {n}: {s}'s template is {len(body.encode()):,} bytes; CloudFormation "
                                        f"takes at most {limits.TEMPLATE_INLINE_MAX_BYTES:,} inline: give the S3 URL "
                                        "the refactor folder will be uploaded to"))
        request = {"Description": f"iam-constructs: move users, refactor {n}",
                   "EnableStackCreation": any(s in created for s in stacks),
                   "ResourceMappings": mappings, "StackDefinitions": definitions}
        requests.append(request)
        per_request.append(snapshot)
        all_mappings.extend(mappings)
    if problems:
        return None, problems
    retired = [s for s in base_stacks if s not in new_stack_names]
    return Refactor(prepare=prepare, requests=requests, templates=per_request, final=state, new_stacks=created,
                    retired_stacks=retired, mappings=all_mappings), []


def read_templates(folder: str, stacks: Iterable[str]) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    out, problems = {}, []
    for s in stacks:
        path = os.path.join(folder, f"{s}.template.json")
        if not os.path.exists(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                out[s] = json.load(f)
        except (OSError, ValueError) as e:
            problems.append(Problem(f"{path}:0", "--templates", f"cannot be read as a template: {e}"))
    return out, problems


def steps(base, new, plan: Refactor) -> str:
    """The commands, in the order that keeps every user in exactly one stack."""
    lines = ["#!/bin/sh", "# Move users between stacks without replacing them. Run from this folder, step by step.",
             "set -eu", 'cd "$(dirname "$0")"', "",
             "# 1. Prepare: the moved users' cleanup resources leave their stacks (the user stays), and their",
             "#    stack tag is written as a literal. Templates over 51,200 bytes need S3_BUCKET.",
             'S3="${S3_BUCKET:+--s3-bucket $S3_BUCKET}"']
    for s in plan.prepare:
        lines.append(f"aws cloudformation deploy --stack-name {s} --template-file prepare/{s}.template.json "
                     "--capabilities CAPABILITY_NAMED_IAM $S3")
    lines += ["", (f"# 2. {len(plan.requests)} refactor(s), in order (CloudFormation moves between at most "
                   f"{MAX_STACKS_PER_REFACTOR} stacks at once)."),
              "#    With --template-url, upload this folder there first (aws s3 sync . URL).",
              "for request in refactor-*/request.json; do",
              ('  id=$(aws cloudformation create-stack-refactor --cli-input-json "file://$request" '
               "--query StackRefactorId --output text)"),
              '  aws cloudformation wait stack-refactor-create-complete --stack-refactor-id "$id"',
              '  aws cloudformation list-stack-refactor-actions --stack-refactor-id "$id" --output table',
              '  aws cloudformation execute-stack-refactor --stack-refactor-id "$id"',
              '  aws cloudformation wait stack-refactor-execute-complete --stack-refactor-id "$id"',
              "done", "",
              f"# 3. Deploy the new roster ({new.path}): cleanup resources come back, stack tags name the new stacks.",
              f"npx cdk deploy --all -c roster={new.path} --require-approval never", ""]
    if plan.retired_stacks:
        lines.append("# 4. Delete the user stacks the new roster no longer has (no user is left in them).")
        for s in plan.retired_stacks:
            lines.append(f"aws cloudformation delete-stack --stack-name {s}")
    return "\n".join(lines) + "\n"


def write(out_dir: str, base, new, moves: list[Move], *, templates: str,
          template_url: str | None = None) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Writes the refactor's files into ``out_dir``: (summary, []) or (None, problems)."""
    from .plan import user_stack_name
    deployed, problems = read_templates(templates, [user_stack_name(base, i) for i in range(base.user_stacks)])
    if problems:
        return None, problems
    plan, problems = build(base, new, moves, deployed, template_url=template_url, label=templates)
    if problems or plan is None:  # None comes with its problems
        return None, problems
    try:
        # Templates compact, as sized against CloudFormation's limits; the rest indented for people.
        for s, t in plan.prepare.items():
            _dump(os.path.join(out_dir, "prepare", f"{s}.template.json"), t, compact=True)
        for n, (request, snapshot) in enumerate(zip(plan.requests, plan.templates), 1):
            folder = os.path.join(out_dir, f"refactor-{n:03d}")
            for s, t in snapshot.items():
                _dump(os.path.join(folder, f"{s}.template.json"), t, compact=True)
            _dump(os.path.join(folder, "request.json"), request)
        _dump(os.path.join(out_dir, "mappings.json"), plan.mappings)
        path = os.path.join(out_dir, "steps.sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write(steps(base, new, plan))
        os.chmod(path, 0o755)
    except OSError as e:
        return None, [Problem(f"{out_dir}:0", "--refactor-out", f"cannot write: {e.strerror or e}")]
    return {"folder": out_dir, "prepare": sorted(plan.prepare), "refactors": len(plan.requests),
            "resource_mappings": len(plan.mappings), "new_stacks": plan.new_stacks,
            "retired_stacks": plan.retired_stacks, "steps": os.path.join(out_dir, "steps.sh")}, []


def _dump(path: str, value: Any, *, compact: bool = False) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(value, sort_keys=True) if compact else json.dumps(value, indent=1, sort_keys=True))
        f.write("\n")


__all__ = ["MAX_STACKS_PER_REFACTOR", "Move", "Refactor", "batches", "build", "moved_resources", "steps", "write"]
