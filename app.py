#!/usr/bin/env python3
"""The roster app: `cdk synth` turns a roster file into IAM stacks.

    npx cdk synth                              # examples/roster.yaml
    npx cdk synth -c roster=path/to/roster.yaml
    npx cdk synth -c nag=false                 # skip the three rule packs
    npx cdk synth -c nag=ours                  # only the IamConstructs pack
    npx cdk synth -c baseline-rev=HEAD         # refuse a replacing change against the committed roster
"""

import sys

from iam_constructs import silence_node_banner

silence_node_banner()  # before aws_cdk starts jsii: no Node end-of-life banner in cdk synth's output

import aws_cdk as cdk

from iam_constructs.errors import IamConstructsError, print_problems
from iam_constructs.plan import synth_check
from iam_constructs.roster import Progress, build, load_roster
from iam_constructs.synth import add_rule_packs

DEFAULT_ROSTER = "examples/roster.yaml"

app = cdk.App()
roster_path = app.node.try_get_context("roster") or DEFAULT_ROSTER
roster, problems = load_roster(roster_path)
if problems or roster is None:  # None comes with its problems
    print_problems(problems)
    print(f"{len(problems)} problem(s) in {roster_path}; nothing was synthesized", file=sys.stderr)
    sys.exit(2)

# With a previous roster (-c baseline=PATH or -c baseline-rev=REV), a change that would replace a
# user or fail mid-deployment stops here, with the lines `iam-constructs plan` prints.
hazards = synth_check(app.node.try_get_context, roster)
if hazards:
    print("\n".join(hazards), file=sys.stderr)
    print(f"{len(hazards)} hazard(s) against the baseline; nothing was synthesized", file=sys.stderr)
    sys.exit(2)

packs = str(app.node.try_get_context("nag") or "all").lower()
if packs not in ("all", "true", "false", "ours"):
    print(f"-c nag={packs}: use all (default), ours or false", file=sys.stderr)
    sys.exit(2)

progress = Progress()
try:
    stacks = build(app, roster, progress=progress)
except IamConstructsError as e:  # validate runs the same checks; kept so a gap is never a traceback
    print_problems(e.problems)
    sys.exit(2)
if packs != "false":
    add_rule_packs(app, only_ours=packs == "ours")
app.synth()
progress.done(f"synthesized {len(roster.users)} users into {len(stacks.in_deployment_order)} stacks")
