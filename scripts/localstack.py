#!/usr/bin/env python3
"""LocalStack for the integration tests: its own venv (Python 3.13), loopback only, stopped by pid.

    python3 scripts/localstack.py install          # .venv-localstack (about 2 minutes the first time)
    python3 scripts/localstack.py run -- CMD ...   # start, wait for health, run CMD, stop; CMD's exit code

While CMD runs, LOCALSTACK_ENDPOINT holds the endpoint URL. LocalStack's state lives in a temporary
directory that is removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-localstack"
STAMP = VENV / ".installed"
PYTHON_VERSION = "3.13.0"
# Pins from the image's notes: without them LocalStack fails at start (cbor2._decoder,
# X509.add_extensions, GEN_EMAIL missing).
PACKAGES = ["localstack-core[runtime]==2026.3.0", "cbor2<6", "cryptography<44", "pyopenssl<24.3",
            "service_identity<25"]
HOST = "127.0.0.1"


def free_port() -> int:
    """LOCALSTACK_PORT if the caller sets one, else a port the kernel says is free on 127.0.0.1."""
    if os.environ.get("LOCALSTACK_PORT"):
        return int(os.environ["LOCALSTACK_PORT"])
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _python313() -> list[str]:
    """A command that runs Python 3.13: pyenv's 3.13.0 on this image, else python3.13 on PATH."""
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        candidate = Path(root) / "versions" / PYTHON_VERSION / "bin" / "python3"
        if candidate.exists():
            return [str(candidate)]
    found = shutil.which("python3.13")
    if found:
        return [found]
    raise SystemExit("LocalStack needs Python 3.13: install it (pyenv install 3.13.0) and retry")


def install() -> None:
    if STAMP.exists() and STAMP.read_text() == json.dumps(PACKAGES):
        return
    if VENV.exists():
        shutil.rmtree(VENV)
    subprocess.run([*_python313(), "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + PACKAGES, check=True)
    STAMP.write_text(json.dumps(PACKAGES))


def _healthy(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def start(state_dir: str, log, port: int) -> subprocess.Popen:
    endpoint = f"http://{HOST}:{port}"
    if _healthy(endpoint):
        raise SystemExit(f"something already answers on {endpoint}; stop it first")
    env = dict(os.environ, GATEWAY_LISTEN=f"{HOST}:{port}", DNS_ADDRESS="0", LOCALSTACK_HOST=f"{HOST}:{port}",
               SERVICES="cloudformation,iam,sts,secretsmanager,kms,ssm", FILESYSTEM_ROOT=state_dir,
               DISABLE_EVENTS="1", SKIP_INFRA_DOWNLOADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(VENV / "bin" / "python"), "-m", "localstack.runtime.main"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"LocalStack exited with {proc.returncode} before it was healthy; see its log")
        if _healthy(endpoint):
            return proc
        time.sleep(1)
    stop(proc)
    raise SystemExit("LocalStack did not become healthy within 180 s")


def stop(proc: subprocess.Popen) -> None:
    """Stops LocalStack by its own process id (and the process group it leads)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def run(cmd: list[str]) -> int:
    install()
    state = tempfile.mkdtemp(prefix="localstack-state-")
    log_path = ROOT / ".localstack.log"
    with open(log_path, "w") as log:
        started = time.time()
        port = free_port()
        endpoint = f"http://{HOST}:{port}"
        proc = start(state, log, port)
        print(f"LocalStack healthy on {endpoint} in {time.time() - started:.0f} s (pid {proc.pid}; log "
              f"{log_path.name})", file=sys.stderr)
        try:
            return subprocess.run(cmd, env=dict(os.environ, LOCALSTACK_ENDPOINT=endpoint)).returncode
        finally:
            stop(proc)
            shutil.rmtree(state, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        install()
        return 0
    if argv[:1] == ["run"]:
        cmd = argv[2:] if argv[1:2] == ["--"] else argv[1:]
        if not cmd:
            raise SystemExit("usage: localstack.py run -- CMD ...")
        return run(cmd)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
