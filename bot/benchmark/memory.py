"""Resident memory of a process and its descendants, from /proc."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    """Direct children of a process (empty when /proc does not list them)."""
    children: list[int] = []
    for task in (PROC / str(pid) / "task").glob("*/children"):
        try:
            children += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return children


def vm_rss_kb(pid: int) -> int:
    """VmRSS of one process in kB; 0 when it has gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def tree_rss_mb(pid: int) -> float:
    """VmRSS of a process plus all its descendants, in MB (a server that forks workers counts whole)."""
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        total += vm_rss_kb(current)
        pending += _children(current)
    return total / 1024
