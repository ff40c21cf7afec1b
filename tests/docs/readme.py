"""The README's fenced code blocks, as a reader sees them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
RUNNER = Path(__file__).with_name("run_snippets.py")
FENCE = re.compile(r"^```(\S*)[ \t]*(.*)$")


@dataclass(frozen=True)
class Block:
    lang: str      # the info string's first word: python, yaml, sh, ...
    tags: tuple    # the rest of the info string, e.g. ("fragment",)
    line: int      # line of the opening fence, 1-based
    code: str

    @property
    def fragment(self) -> bool:
        return "fragment" in self.tags


def blocks(text: str | None = None) -> list[Block]:
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        out.append(Block(m.group(1).lower(), tuple(m.group(2).split()), start + 1, "\n".join(body) + "\n"))
        i += 1
    return out


def python_blocks() -> list[Block]:
    return [b for b in blocks() if b.lang == "python"]


def rosters() -> list[Block]:
    """YAML blocks that are rosters (they start with ``version:``)."""
    return [b for b in blocks() if b.lang in ("yaml", "yml") and re.match(r"\s*(#.*\n\s*)*version:", b.code)]


def shell_lines() -> list[tuple[int, str]]:
    """Each command of the README's shell blocks, continuation lines joined, comments dropped."""
    out = []
    for b in blocks():
        if b.lang not in ("sh", "bash", "shell", "console"):
            continue
        pending, first = "", 0
        for n, raw in enumerate(b.code.splitlines(), start=b.line + 1):
            line = raw[2:] if b.lang == "console" and raw.startswith("$ ") else raw
            if not pending:
                first = n
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            command = _strip_comment(pending + line).strip()
            pending = ""
            if command:
                out.append((first, command))
    return out


def _strip_comment(line: str) -> str:
    quote = None
    for i, c in enumerate(line):
        if c in "'\"":
            quote = None if quote == c else (quote or c)
        elif c == "#" and quote is None and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def run_snippets(python: str, snippets: list[Block], workdir: Path, env: dict | None = None,
                 timeout: int = 900) -> list[dict]:
    """Runs the snippets with ``python`` (one process, a fresh namespace and directory each) from
    ``workdir``; returns one result per snippet (see run_snippets.py)."""
    workdir.mkdir(parents=True, exist_ok=True)
    runner = workdir / "run_snippets.py"  # a copy: the repository is not on the runner's sys.path
    runner.write_text(RUNNER.read_text(encoding="utf-8"), encoding="utf-8")
    src, dst = workdir / "snippets.json", workdir / "results.json"
    src.write_text(json.dumps([{"line": b.line, "code": b.code} for b in snippets]), encoding="utf-8")
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONPATH", None)
    env.pop("CDK_OUTDIR", None)
    proc = subprocess.run([python, "-I", str(runner), str(src), str(dst)], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0 and dst.exists(), f"snippet runner failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(dst.read_text(encoding="utf-8"))


def describe(result: dict) -> str:
    """Empty when the snippet ran, synthesized, and left no unacknowledged finding."""
    if result["findings"]:  # also when synth raised ValidationFailed for them
        return f"README.md:{result['line']}: unacknowledged findings:\n  " + "\n  ".join(result["findings"])
    if result["error"]:
        return f"README.md:{result['line']}: raised:\n{result['error']}"
    if not result["synthesized"]:
        return f"README.md:{result['line']}: never calls app.synth()"
    return ""


PYTHON = sys.executable
