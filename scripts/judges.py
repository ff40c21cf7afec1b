#!/usr/bin/env python3
"""The independent judges (checkov, cfripper, parliament) in their own venv, as their pins clash
with the project's.

    python3 scripts/judges.py install
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-judges"
STAMP = VENV / ".installed"
PACKAGES = ["checkov>=3.2,<4", "cfripper>=1.15,<2", "parliament>=1.6,<2"]


def install() -> None:
    if STAMP.exists() and STAMP.read_text() == json.dumps(PACKAGES):
        return
    if VENV.exists():
        shutil.rmtree(VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + PACKAGES, check=True)
    STAMP.write_text(json.dumps(PACKAGES))


if __name__ == "__main__":
    if sys.argv[1:] != ["install"]:
        raise SystemExit(__doc__)
    install()
