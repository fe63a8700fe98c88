"""Benchmark: import-free planning of N accounts on SQLite.

Prints accounts planned per second (segment + choose + render + compliance + outbox write) and the
planning process's peak memory, plus the ratio to a bare read of the same tables measured in the same
run (so a slower or faster machine moves both). Target: 1,000,000 accounts at ≥ 50,000 accounts/s,
peak memory ≤ 2 GB, on a 2-core machine.

    python bench/plan.py --accounts 1000000

The portfolio is written straight into a fresh SQLite file first (not timed); planning then runs in
its own process so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

NOW = {"CN": "2026-11-28T10:00:00+08:00", "US": "2026-11-28T10:00:00-05:00"}
KEY = base64.b64encode(b"bench-key-0123456789abcdef012345").decode()


def setup(db: Path, accounts: int, seed: int, profile: str) -> dict[str, int]:
    from dunning.core.crypto import PersonalDataCipher
    from dunning.core.db import make_engine, migrate, unit_of_work
    from dunning.portfolio.synthetic import populate_synthetic

    url = f"sqlite:///{db}"
    migrate(url)
    with unit_of_work(make_engine(url)) as conn:
        return populate_synthetic(
            conn,
            accounts,
            seed,
            datetime.fromisoformat(NOW[profile]),
            profile,
            PersonalDataCipher(base64.b64decode(KEY)),
        )


def bare_read(db: Path) -> float:
    """Baseline: read every column the planner reads from accounts, debtors and contacts."""
    import sqlite3

    started = time.perf_counter()
    conn = sqlite3.connect(db)
    for sql in (
        "SELECT id, debtor_id, external_id, currency, outstanding_minor, paid_minor, due_date, status, "
        "risk_score, dispute, complaint, bankrupt, deceased, time_barred, opt_out FROM accounts",
        "SELECT id, external_id, name_masked, time_zones, region FROM debtors",
        'SELECT id, debtor_id, relation, verified, opted_out_at FROM contacts WHERE "primary"',
    ):
        conn.execute(sql).fetchall()
    conn.close()
    return time.perf_counter() - started


def peak_memory_mb() -> float:
    """This process's own peak resident memory.

    VmHWM belongs to the address space that exec created; getrusage's ru_maxrss would also count the
    parent's peak at fork time (Linux keeps it across exec), i.e. the portfolio set-up.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plan_phase(db: Path, profile: str) -> dict[str, object]:
    os.environ["DUNNING_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DUNNING_SECRET_KEY"] = KEY
    os.environ["DUNNING_PROFILE"] = profile
    os.chdir(db.parent)
    from dunning.core.clock import parse_now
    from dunning.core.db import make_engine, unit_of_work
    from dunning.core.settings import get_settings
    from dunning.flows import load_config, plan_day

    settings = get_settings()
    config = load_config(settings)
    now = parse_now(NOW[profile])
    started = time.perf_counter()
    with unit_of_work(make_engine(settings.database_url)) as conn:
        result = plan_day(conn, config, now)
    seconds = time.perf_counter() - started
    peak_mb = peak_memory_mb()
    return {"seconds": seconds, "peak_mb": peak_mb, **result.as_dict()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=("CN", "US"), default="CN")
    parser.add_argument("--phase", choices=("all", "plan"), default="all", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="keep the populated database at this path and reuse it")
    args = parser.parse_args()

    if args.phase == "plan":
        print(json.dumps(plan_phase(args.db, args.profile)))
        return

    with tempfile.TemporaryDirectory(prefix="dunning-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        if args.keep and args.keep.exists():
            shutil.copyfile(args.keep, db)
        else:
            t0 = time.perf_counter()
            rows = setup(db, args.accounts, args.seed, args.profile)
            print(f"setup: {rows} in {time.perf_counter() - t0:.1f} s (not timed)", file=sys.stderr)
            if args.keep:
                shutil.copyfile(db, args.keep)
        baseline = bare_read(db)
        out = subprocess.run(
            [sys.executable, __file__, "--phase", "plan", "--db", str(db), "--profile", args.profile],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
    seconds = float(result["seconds"])
    rate = args.accounts / seconds
    print(
        f"planned {result['queued']:,} queued + {result['blocked']:,} blocked "
        f"of {result['debtors_in_scope']:,} debtors in scope ({args.accounts:,} accounts)",
        file=sys.stderr,
    )
    print(f"stages (s): {result['stage_seconds']}", file=sys.stderr)
    print(
        f"plan: {rate:,.0f} accounts/s ({args.accounts:,} accounts in {seconds:.2f} s; target ≥ 50,000); "
        f"peak memory {result['peak_mb']:,.0f} MB (target ≤ 2,048); "
        f"{seconds / baseline:.1f}× the time of a bare read of the same tables ({baseline:.2f} s)"
    )


if __name__ == "__main__":
    main()
