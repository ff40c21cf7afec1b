"""What the memos the library once wrote into jsii proxies' ``__dict__`` bought: synth time with
them and without, side by side, in the same run.

    .venv/bin/python benchmarks/proxy_caches.py                  # 2,000 users, 3 runs each
    .venv/bin/python benchmarks/proxy_caches.py --users 5000 --repeat 5

The memos (commit d873304, "cached stack facts"; 3e632f8 for the ARNs): ``node.path`` of a scope,
``Stack.of(scope)``, the stack's account registry, the set of stacks a user stack already depends
on (all written into the scope's or the stack's ``__dict__``). (The ARN token of ``IamUser`` and
``IamGroup`` is not a memo but the construct's own state, one token for its life, as an L2's ARN
attribute is; both variants keep it on the construct.)

Two app shapes, each run with the memos patched in ("memo") and with direct reads patched in
("direct", what the library does since), whatever the library itself does today:

- ``roster``: the roster app (``app.py``, no rule packs) on a generated roster: ``IamUsers``, one
  per user stack, the way ``cdk synth`` runs this repo.
- ``users``: a library user's app: one ``IamUser`` construct per user (console access, in a group
  of its own stack; 150 users, 450 resources, per stack; one ``AccountPasswordPolicy``), each
  user's ``user_arn`` and ``user_ref`` read once, every 20th user in a group of another stack.

Each configuration runs in its own process (``python -O``, as ``cdk.json`` runs the app) and is
measured over build + synth inside the process (imports excluded): wall time, CPU time of the
Python process and its jsii Node processes (steadier than wall time on a shared machine), and the
jsii round trips (requests to the kernel, counted; deterministic). Medians of the runs, interleaved
so drift on the machine hits both variants alike.

Measured (2026-12-02, 2 shared cores, other work running; --users 600 --repeat 3):

       shape | wall memo  direct  ratio | CPU memo  direct  ratio | trips memo   direct per user
      roster |     10.32   10.12  0.980 |    14.22   13.89  0.977 |       1394     4353    +4.93
       users |     26.84   32.65  1.217 |    24.34   24.76  1.017 |      10438    20701   +17.11

The memos halve the round trips but not the time: CPU within 2 %, wall time within the machine's
noise (single runs of one configuration ranged 22-73 s). So the library keeps no memo in jsii
proxies (iam_constructs/_registry.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from proctree import descendants  # noqa: E402


# -- the two variants, patched into the library in the child process ---------------------------
def _patch(variant: str) -> None:
    import aws_cdk as cdk
    from constructs import Construct

    from iam_constructs import _registry as reg
    from iam_constructs import user as user_mod

    def registry_direct(stack: cdk.Stack) -> reg._AccountRegistry:
        root = stack.node.root
        app = root.node.try_find_child(reg._REGISTRY_ID)
        if not isinstance(app, reg._AppRegistry):
            app = reg._AppRegistry(root, reg._REGISTRY_ID)
        return app.accounts.setdefault(stack.account, reg._AccountRegistry())

    if variant == "memo":
        def path_of(scope: Construct) -> str:
            cached = scope.__dict__.get("_iam_constructs_path")
            if cached is None:
                cached = scope.__dict__["_iam_constructs_path"] = scope.node.path
            return cached

        def stack_of(scope: Construct) -> cdk.Stack:
            if isinstance(scope, cdk.Stack):
                return scope
            cached = scope.__dict__.get("_iam_constructs_stack")
            if cached is None:
                cached = scope.__dict__["_iam_constructs_stack"] = cdk.Stack.of(scope)
            return cached

        def registry(stack: cdk.Stack) -> reg._AccountRegistry:
            cached = stack.__dict__.get("_iam_constructs_registry")
            if cached is None:
                cached = stack.__dict__["_iam_constructs_registry"] = registry_direct(stack)
            return cached

        def depend_once(stack: cdk.Stack, on: cdk.Stack) -> None:
            seen: set = stack.__dict__.setdefault("_iam_constructs_deps", set())
            if id(on) not in seen:
                seen.add(id(on))
                stack.add_stack_dependency(on, "IAM users join groups declared in this stack")

    else:
        def path_of(scope: Construct) -> str:
            return scope.node.path

        def stack_of(scope: Construct) -> cdk.Stack:
            return scope if isinstance(scope, cdk.Stack) else cdk.Stack.of(scope)

        registry = registry_direct

        def depend_once(stack: cdk.Stack, on: cdk.Stack) -> None:
            if not any(d is on for d in stack.dependencies):
                stack.add_stack_dependency(on, "IAM users join groups declared in this stack")

    import importlib
    for name in ("_registry", "user", "group", "mfa", "password_policy.construct", "scheduled_audit", "credentials"):
        module = importlib.import_module(f"iam_constructs.{name}")
        for attr, value in (("path_of", path_of), ("stack_of", stack_of)):
            if hasattr(module, attr):
                setattr(module, attr, value)
    reg._registry = registry
    user_mod._depend_once = depend_once


def _users_app(n: int, outdir: str) -> None:
    import aws_cdk as cdk

    from iam_constructs import AccountPasswordPolicy, IamGroup, IamUser

    app = cdk.App(outdir=outdir)
    account = cdk.Stack(app, "Account")
    AccountPasswordPolicy(account, "PasswordPolicy")
    shared = IamGroup(account, "Shared", group_name="shared")
    for start in range(0, n, 150):
        stack = cdk.Stack(app, f"Users{start // 150:03d}")
        team = IamGroup(stack, "Team", group_name=f"team-{start // 150:03d}", path="/teams/")
        for i in range(start, min(n, start + 150)):
            groups = [team, shared] if i % 20 == 0 else [team]
            user = IamUser(stack, f"U{i}", user_name=f"person.{i:05d}", path="/people/", console_access=True,
                           groups=groups, tags={"Owner": "platform", "Purpose": "human"})
            user.user_arn
            user.user_ref
    app.synth()


def _tree_cpu_seconds(root: int) -> float:
    """User + system CPU of ``root``'s descendants (the jsii Node processes), from /proc."""
    ticks = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def child(variant: str, shape: str, n: int, outdir: str, roster_path: str) -> None:
    from iam_constructs import silence_node_banner
    silence_node_banner()
    if shape == "roster":  # read by the jsii Node process, which takes its environment when it starts
        os.environ["CDK_OUTDIR"] = outdir
        os.environ["CDK_CONTEXT_JSON"] = json.dumps({"roster": roster_path, "nag": "false"})
    import aws_cdk  # noqa: F401  (jsii started before the clock)
    from jsii._kernel.providers import process as jsii_process

    crossings = [0]
    send = jsii_process._NodeProcess.send

    def counted(self, *args, **kwargs):  # every request to the jsii kernel, callbacks' answers included
        crossings[0] += 1
        return send(self, *args, **kwargs)
    jsii_process._NodeProcess.send = counted

    _patch(variant)
    start, cpu, node = time.perf_counter(), time.process_time(), _tree_cpu_seconds(os.getpid())
    if shape == "users":
        _users_app(n, outdir)
    else:
        import runpy
        runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
    print(json.dumps({"seconds": time.perf_counter() - start,
                      "cpu": time.process_time() - cpu + _tree_cpu_seconds(os.getpid()) - node,
                      "crossings": crossings[0]}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shapes", nargs="*", default=["roster", "users"])
    ap.add_argument("--child", nargs=5, metavar=("VARIANT", "SHAPE", "N", "OUTDIR", "ROSTER"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        variant, shape, n, outdir, roster_path = args.child
        child(variant, shape, int(n), outdir, roster_path)
        return
    import yaml

    from make_roster import roster as make_roster
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="14,16,18,20,22")
    variants = ("memo", "direct")
    with tempfile.TemporaryDirectory(prefix="proxy-caches-") as tmp:
        roster_path = Path(tmp) / "roster.yaml"
        roster_path.write_text(yaml.safe_dump(make_roster(args.users), sort_keys=False))
        runs: dict[tuple[str, str], list[dict]] = {}
        for r in range(args.repeat):
            for shape in args.shapes:
                for variant in variants:
                    out = f"{tmp}/out-{shape}-{variant}-{r}"
                    run = subprocess.run([sys.executable, "-O", __file__, "--child", variant, shape, str(args.users),
                                          out, str(roster_path)], cwd=ROOT, env=env, capture_output=True, text=True)
                    if run.returncode != 0:
                        raise SystemExit(f"{shape}/{variant} failed ({run.returncode}):\n{run.stderr[-3000:]}")
                    runs.setdefault((shape, variant), []).append(json.loads(run.stdout.strip().splitlines()[-1]))
            print(f"done run {r + 1}/{args.repeat}", file=sys.stderr)

    def med(shape: str, variant: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[shape, variant])

    print(f"{args.users} users; build + synth, median of {args.repeat} runs: wall seconds, CPU seconds (Python and "
          "the jsii Node processes) and jsii round trips")
    print(f"{'shape':>8} | {'wall memo':>9} {'direct':>7} {'ratio':>6} | {'CPU memo':>8} {'direct':>7} {'ratio':>6} | "
          f"{'trips memo':>10} {'direct':>8} {'per user':>8}")
    for shape in args.shapes:
        w = [med(shape, v, "seconds") for v in variants]
        c = [med(shape, v, "cpu") for v in variants]
        t = [med(shape, v, "crossings") for v in variants]
        print(f"{shape:>8} | {w[0]:>9.2f} {w[1]:>7.2f} {w[1] / w[0]:>6.3f} | {c[0]:>8.2f} {c[1]:>7.2f} {c[1] / c[0]:>6.3f} | "
              f"{t[0]:>10.0f} {t[1]:>8.0f} {(t[1] - t[0]) / args.users:>+8.2f}")
    print("each run (wall / CPU): " + "; ".join(
        f"{s}/{v} " + " ".join(f"{r['seconds']:.1f}/{r['cpu']:.1f}" for r in runs[s, v])
        for s in args.shapes for v in variants))
    print("ratio = direct / memo: above 1 means the memos save time.")


if __name__ == "__main__":
    main()
