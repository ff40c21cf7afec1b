"""A process and its descendants, read from /proc (Linux): the benchmarks count the jsii Node
processes a CDK app starts along with the Python one."""

from __future__ import annotations

import os


def descendants(root: int) -> list[int]:
    """The process ids below ``root`` (children, their children, ...) at the moment of reading."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found
