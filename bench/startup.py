"""Benchmark (not a timed test): how long a `dunning` command takes before it does anything.

    .venv/bin/python bench/startup.py [--repeat 10]

Runs each command ``--repeat`` times in a fresh process (the way cron or a script drives dunning)
and prints the median wall time of each; the baseline is the interpreter starting and exiting in the
same run. Commands: ``--help``, ``--version``, ``outbox --help``, and ``outbox due`` on an empty
SQLite database (light commands; target ≤ 0.3 s). The last line is one JSON object.
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

SCRIPT = Path(sys.executable).parent / "dunning"


def _median(argv: list[str], repeat: int, env: dict[str, str], cwd: Path) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DUNNING_")}
        env["DUNNING_DATABASE_URL"] = f"sqlite:///{work / 'dunning.db'}"
        subprocess.run([str(SCRIPT), "init"], env=env, cwd=work, stdout=subprocess.DEVNULL, check=True)
        results = {"python": _median([sys.executable, "-c", "pass"], args.repeat, env, work)}
        for name, argv in (
            ("--help", ["--help"]),
            ("--version", ["--version"]),
            ("outbox --help", ["outbox", "--help"]),
            ("outbox due", ["outbox", "due", "--now", "2026-11-28T10:00:00+08:00"]),
        ):
            results[name] = _median([str(SCRIPT), *argv], args.repeat, env, work)
    for name, seconds in results.items():
        print(f"{name:<16} {seconds:6.3f} s")
    ratio = results["--help"] / results["python"]
    print(f"dunning --help: {results['--help']:.3f} s ({ratio:.1f}× a bare interpreter)")
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
