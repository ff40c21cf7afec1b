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
from proctree import descendants  # noqa: E402


def _tree_rss_kb(root: int) -> int:
    total = 0
    for pid in [root, *descendants(root)]:
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


CONFIGS = (("baseline", None), ("roster, no packs", "false"), ("roster, our pack", "ours"),
           ("roster, all on", "all"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="*", default=[100, 1000, 5000])
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration; the median is reported")
    args = ap.parse_args()
    import statistics

    import yaml
    py = [sys.executable, "-O"]
    base_env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    table = []
    with tempfile.TemporaryDirectory(prefix="iam-bench-") as tmp:
        for n in args.users:
            roster_path = Path(tmp) / f"roster-{n}.yaml"
            roster_path.write_text(yaml.safe_dump(make_roster(n), sort_keys=False))
            runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in CONFIGS}
            for r in range(args.repeat):  # interleaved, so drift on the machine hits every configuration
                for label, nag in CONFIGS:
                    out = f"{tmp}/out-{n}-{r}-{len(runs[label])}-{label.split(',')[-1].strip().replace(' ', '')}"
                    if nag is None:
                        runs[label].append(run(py + ["benchmarks/baseline_app.py", str(n), out], base_env))
                    else:
                        env = dict(base_env, CDK_OUTDIR=out,
                                   CDK_CONTEXT_JSON=json.dumps({"roster": str(roster_path), "nag": nag}))
                        runs[label].append(run(py + ["app.py"], env))
            med = {label: (statistics.median(t for t, _ in v), statistics.median(m for _, m in v))
                   for label, v in runs.items()}
            table.append((n, med))
            print(f"done {n} users", file=sys.stderr)
    heads = " | ".join(f"{label:>18}" for label, _ in CONFIGS)
    print(f"median of {args.repeat} runs each: seconds / peak MB (Python + jsii Node processes)")
    print(f"{'users':>6} | {heads} | {'ratio s':>7} {'ratio MB':>8} | {'our pack':>8} {'3 packs':>7}")
    for n, med in table:
        cells = " | ".join(f"{med[label][0]:>9.1f} / {med[label][1]:>5.0f}" for label, _ in CONFIGS)
        base, none, ours, full = (med[label] for label, _ in CONFIGS)
        print(f"{n:>6} | {cells} | {full[0] / base[0]:>7.2f} {full[1] / base[1]:>8.2f} | "
              f"{100 * (ours[0] - none[0]) / none[0]:>+7.1f}% {100 * (full[0] - none[0]) / none[0]:>+6.1f}%")
    print("ratio = roster app with everything on / baseline. 'our pack' and '3 packs' = synth time added over "
          "the roster app with no packs. Both apps keep the CDK's built-in CloudFormation validation (on by default).")


if __name__ == "__main__":
    main()
