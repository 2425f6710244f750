#!/usr/bin/env python3
"""Runs a command and prints its wall time and the peak of the summed resident memory of
its whole process tree (Spark's JVM and Python workers included), sampled every 0.2 s.

    python3 benches/tree-peak.py -- CMD ARGS...
"""
import os
import subprocess
import sys
import time


def tree_rss(root: int) -> int:
    """Summed RSS in bytes of `root` and every process descended from it."""
    children = {}
    rss = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            with open(f"/proc/{pid}/statm") as f:
                rss[int(pid)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def main() -> int:
    cmd = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.2)
    wall = time.monotonic() - t0
    print(f"tree-peak: rc={proc.returncode} wall={wall:.1f}s peak={peak / 1e9:.2f}GB cmd={' '.join(cmd)}", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
