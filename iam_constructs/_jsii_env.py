"""Silences jsii's Node end-of-life banner for the Node major in use; imported before aws_cdk."""

from __future__ import annotations

import os
import shutil
import subprocess


def silence_node_banner() -> None:
    key = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"
    if key in os.environ:
        return
    node = shutil.which("node")
    major = ""
    if node:
        try:
            out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout
            major = out.strip().lstrip("v").split(".")[0]
        except (OSError, subprocess.SubprocessError):
            major = ""
    os.environ[key] = major or "20"
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")


silence_node_banner()
