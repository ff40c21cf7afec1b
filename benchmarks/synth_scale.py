"""Synth time and peak memory of the roster app against the plain-L2 baseline, in the same run.

    .venv/bin/python benchmarks/synth_scale.py               # 100, 1000, 5000 users
    .venv/bin/python benchmarks/synth_scale.py --users 1000

For each N: the baseline (benchmarks/baseline_app.py: one iam.User + one Secret per user, 200 users
per stack, no rule packs), the roster app without rule packs, and the roster app with everything
on (AwsSolutions, NIST 800-53 R5, IamConstructs). Both run as `cdk.json` runs the app
(`python -O`). Peak RSS is the whole process tree (Python plus the jsii Node process), sampled
every 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_roster import roster as make_roster  # noqa: E402


def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak tree RSS in MB) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return wall, peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="*", default=[100, 1000, 5000])
    args = ap.parse_args()
    py = [sys.executable, "-O"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="iam-bench-") as tmp:
        for n in args.users:
            roster_path = Path(tmp) / f"roster-{n}.yaml"
            import yaml
            roster_path.write_text(yaml.safe_dump(make_roster(n), sort_keys=False))
            base_env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
            base = run(py + ["benchmarks/baseline_app.py", str(n), f"{tmp}/base-{n}"], base_env)
            results = {}
            for label, nag in (("roster, no packs", "false"), ("roster, all on", "true")):
                env = dict(base_env, CDK_OUTDIR=f"{tmp}/{label[:6]}-{nag}-{n}",
                           CDK_CONTEXT_JSON=json.dumps({"roster": str(roster_path), "nag": nag}))
                results[label] = run(py + ["app.py"], env)
            rows.append((n, base, results))
            print(f"done {n} users", file=sys.stderr)
    print(f"{'users':>6} | {'baseline s':>10} {'MB':>6} | {'no packs s':>10} {'MB':>6} | {'all on s':>9} {'MB':>6} "
          f"| {'ratio time':>10} {'ratio MB':>8} | {'packs add':>9}")
    for n, (bt, bm), r in rows:
        (nt, nm), (at, am) = r["roster, no packs"], r["roster, all on"]
        print(f"{n:>6} | {bt:>10.1f} {bm:>6.0f} | {nt:>10.1f} {nm:>6.0f} | {at:>9.1f} {am:>6.0f} "
              f"| {at / bt:>10.2f} {am / bm:>8.2f} | {100 * (at - nt) / nt:>8.1f}%")
    print("ratio = roster app with everything on / baseline; 'packs add' = all on vs no packs")


if __name__ == "__main__":
    main()
