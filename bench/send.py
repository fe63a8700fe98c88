"""Benchmark (not a timed test): SMPP sending through the built-in simulator, ours against smpplib.

    .venv/bin/python bench/send.py --messages 20000 [--window 50] [--binds 1] [--receipts on|off]
        [--repeat 3] [--db sqlite|postgresql] [--batch 500] [--only e2e,provider,reference]
    .venv/bin/python bench/send.py --tps 500 --duration 30 [--binds 2] [--tps-path provider,e2e]

Throughput mode (``--tps 0``, the default) starts ONE simulator subprocess (``dunning smsc``, scenario
normal, receipt delay 0, every receipt DELIVRD, no TPS limit) and runs, ``--repeat`` times, each in
its own subprocess against that same simulator:

* **ours e2e**: a fresh database (temporary SQLite file, or a new PostgreSQL database on
  ``postgresql://postgres@127.0.0.1:5432``) seeded with N queued messages; ``send_due`` with
  ``smpp://…?window=W&binds=B`` until every receipt is applied to the database;
* **ours provider**: ``SmppProvider.submit_batch`` over pre-built ``OutgoingSms`` in batches of
  ``--batch`` (as ``send_due`` hands them over), no database; receipts drained until all arrived;
* **reference**: smpplib with the same window: submit until W are outstanding, then ``read_once()``
  and refill on each submit_sm_resp; deliver_sm answered and receipts counted; TCP_NODELAY set;
  error PDUs (throttles) counted, not raised.

Metric (the same for all three, taken on the client): sort the submit_sm_resp arrival times, drop
the first 5 % of messages as warm-up, and divide the remaining messages by the time from the end of
the warm-up to the last response. That is "first submit after warm-up → last response" to within
one round trip. Also reported: the time from the first submit until the last receipt (for e2e: until
the last receipt is applied in the database), the client's CPU seconds, and the simulator's CPU
seconds during that run (from /proc), so a saturated simulator is visible. The table shows the
median of the repeats; the last line of output is one JSON object.

TPS mode (``--tps R``) starts a simulator per run that enforces R submits/s for the account (token
bucket, burst ``--sim-burst``, default 5, shared by all binds) and counts accepted submits per
wall-clock second; our client sends ``R × --duration`` messages paced by its own bucket (the
provider's ``tps=R``). Pass: no throttles and no full second above R + 1 (a token due at a second's
start may land a hair late). "Held" is the mean of the full seconds over R: the client paces on the
ideal schedule and makes up lateness under one token's time, so the shortfall is the event loop's
timer granularity on longer stalls (and, end to end, the database work between batches).

Bodies are Chinese reminders of 40-50 characters (one UCS-2 part), or English ones (``--text en``,
one GSM-7 part). ``--profile DIR`` writes cProfile output of each of our client runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# The test factories seed the outbox (the same writers the planner uses): import them from the repo.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HOST = "127.0.0.1"
SYSTEM_ID = "bench"
PASSWORD = "pw"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
WARMUP = 0.05
CN = (
    "【安信金融】{name}您好，您尾号{tail}的借款已逾期{dpd}天，欠款{amount}元，请及时还款。",
    "【安信金融】{name}，您尾号{tail}的借款将于{m}月{d}日到期，应还{amount}元，请按时还款。",
    "【安信金融】尊敬的{name}，您的借款已逾期{dpd}天，待还{amount}元，详询95000。",
)
EN = (
    "Harbor Lending: Hi {name}, your loan ending {tail} is {dpd} days past due. Balance: {amount}. "
    "Call 1-800-555-0100.",
    "Harbor Lending: {name}, {amount} is due {m}/{d}. Pay in the app or call 1-800-555-0100.",
)
NAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"


# ---------------------------------------------------------------------------------------------
# shared helpers


def bodies(n: int, text: str, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` (E.164 number, body) pairs, deterministic."""
    rng = random.Random(seed)
    templates = CN if text == "cn" else EN
    out = []
    for i in range(n):
        body = templates[i % len(templates)].format(
            name=rng.choice(NAMES) + "*" if text == "cn" else "J. Doe",
            tail=f"{rng.randint(0, 9999):04d}",
            dpd=rng.randint(1, 120),
            amount=f"{rng.randint(10_000, 9_999_999) / 100:.2f}",
            m=rng.randint(1, 12),
            d=rng.randint(1, 28),
        )
        out.append((f"+86138{rng.randint(0, 99_999_999):08d}", body))
    return out


def sustained_rate(resp_times: Sequence[float], warmup: float = WARMUP) -> float:
    """Messages after the warm-up ÷ (end of warm-up → last response)."""
    t = sorted(resp_times)
    n = len(t)
    k = max(1, math.ceil(n * warmup))
    if n - k < 2 or t[-1] <= t[k - 1]:
        return float("nan")
    return (n - k) / (t[-1] - t[k - 1])


def provider_url(port: int, window: int, binds: int, tps: float) -> str:
    return f"smpp://{SYSTEM_ID}:{PASSWORD}@{HOST}:{port}?tps={tps:.10g}&window={window}&binds={binds}"


def emit(result: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(result, separators=(",", ":")), flush=True)


@contextmanager
def profiled(path: str | None) -> Iterator[None]:
    if not path:
        yield
        return
    import cProfile

    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(path)


def _timed_sessions(resp_times: list[float]) -> None:
    """Record the arrival time of every submit_sm outcome (wraps SmppSession.submit)."""
    from dunning.sending.providers.smpp.session import SmppSession

    submit = SmppSession.submit
    clock = time.perf_counter
    append = resp_times.append

    async def timed(self: SmppSession, pdu: Any) -> Any:
        result = await submit(self, pdu)
        append(clock())
        return result

    SmppSession.submit = timed  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------
# worker: ours, provider alone


async def _provider_run(args: argparse.Namespace) -> dict[str, Any]:
    from dunning.sending.providers.base import OutgoingSms
    from dunning.sending.providers.smpp.provider import SmppProvider

    resp_times: list[float] = []
    _timed_sessions(resp_times)
    pairs = bodies(args.messages, args.text)
    encoding = "UCS-2" if args.text == "cn" else "GSM-7"
    batch = [OutgoingSms(i + 1, to, body, encoding, 1) for i, (to, body) in enumerate(pairs)]
    provider = SmppProvider(provider_url(args.port, args.window, args.binds, args.tps or 1_000_000))
    await provider.open()
    now = datetime.now(UTC)
    accepted = retried = failed = unknown = receipts = 0
    codes: dict[str, int] = {}
    cpu0, t0 = time.process_time(), time.perf_counter()
    with profiled(args.profile):
        for start in range(0, len(batch), args.batch):
            chunk = batch[start : start + args.batch]
            outcomes = await provider.submit_batch(chunk, now=now)
            unknown += len(chunk) - len(outcomes)
            for o in outcomes:
                if o.accepted:
                    accepted += 1
                elif o.retriable:
                    retried += 1
                    codes[o.error_code or "?"] = codes.get(o.error_code or "?", 0) + 1
                else:
                    failed += 1
                    codes[o.error_code or "?"] = codes.get(o.error_code or "?", 0) + 1
            receipts += len(await provider.drain_receipts())
            await provider.acknowledge()  # as the sender does once it has stored them
        t_sent = time.perf_counter()
        deadline = t_sent + 30
        while args.receipts == "on" and receipts < accepted and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
            receipts += len(await provider.drain_receipts())
            await provider.acknowledge()
    t_done, cpu = time.perf_counter(), time.process_time() - cpu0
    await provider.close()
    return {
        "role": "provider",
        "messages": len(batch),
        "accepted": accepted,
        "retried": retried,
        "failed": failed,
        "unknown": unknown,
        "error_codes": codes,
        "receipts": receipts,
        "rate": sustained_rate(resp_times),
        "submit_seconds": t_sent - t0,
        "receipt_seconds": t_done - t0,
        "cpu_seconds": cpu,
    }


# ---------------------------------------------------------------------------------------------
# worker: ours, end to end through the database


def _seed(url: str, n: int, text: str, now: datetime) -> None:
    """``n`` queued messages to 2,000 debtors, written by the same factory the tests use (through
    ``messages.enqueue``, as the planner writes them)."""
    from tests.factories import seed_outbox

    from dunning.core.crypto import PersonalDataCipher
    from dunning.core.db import make_engine

    pairs = bodies(n, text)
    t0 = now - timedelta(hours=1)
    engine = make_engine(url)
    seed_outbox(
        engine,
        PersonalDataCipher(b"k" * 32),
        n,
        phone_of=lambda i: pairs[i][0],
        body_of=lambda i: pairs[i][1],
        ref_of=lambda i: f"B{i}",
        scheduled_at=lambda i: t0 + timedelta(microseconds=i),
        window_end=now + timedelta(days=1),
        encoding="UCS-2" if text == "cn" else "GSM-7",
        debtors_count=min(n, 2000),
        now=t0,
    )
    if engine.dialect.name == "postgresql":
        import sqlalchemy as sa

        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()


@contextmanager
def _database(kind: str) -> Iterator[str]:
    import sqlalchemy as sa

    from dunning.core.db import dispose_engines, migrate, normalise_url

    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-send-") as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            migrate(url)
            yield url
            dispose_engines()
        return
    name = f"dunning_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalise_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(url)
        yield url
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


#: The sender's database steps, timed in the e2e run: (module, name) as the sender and the flows call them.
PHASES = (
    ("dunning.messages.outbox", "claim_due"),
    ("dunning.messages.outbox", "mark_submitting"),
    ("dunning.messages.outbox", "record_outcomes"),
    ("dunning.portfolio.repository", "contact_numbers"),
    ("dunning.flows", "apply_receipts"),
    ("dunning.flows", "retry_parked"),
    ("dunning.flows", "_finalise_overdue_parts"),
    ("dunning.flows", "store_replies"),
    ("dunning.sending.worker", "unit_of_work"),
)


def _timed_phases(spent: dict[str, float]) -> None:
    """Wrap the sender's database steps to add up their wall time (the commit is in unit_of_work)."""
    import contextlib
    import importlib

    clock = time.perf_counter
    for module_name, name in PHASES:
        module = importlib.import_module(module_name)
        fn = getattr(module, name)
        label = name.lstrip("_")
        if name == "unit_of_work":

            @contextlib.contextmanager
            def uow(engine: Any, _fn: Any = fn) -> Iterator[Any]:
                with _fn(engine) as conn:
                    yield conn
                    t = clock()
                t_commit = clock() - t  # leaving the inner ``with`` commits
                spent["commit"] = spent.get("commit", 0.0) + t_commit

            setattr(module, name, uow)
            continue

        def timed(*a: Any, _fn: Any = fn, _name: str = label, **kw: Any) -> Any:
            t = clock()
            try:
                return _fn(*a, **kw)
            finally:
                spent[_name] = spent.get(_name, 0.0) + clock() - t

        setattr(module, name, timed)


async def _e2e_run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    import sqlalchemy as sa
    from tests.sending.scripted import sender_hooks

    from dunning.core.crypto import PersonalDataCipher
    from dunning.core.db import make_engine
    from dunning.messages.models import messages
    from dunning.sending.providers.smpp.provider import SmppProvider
    from dunning.sending.worker import collect_inbound, send_due

    resp_times: list[float] = []
    _timed_sessions(resp_times)
    spent: dict[str, float] = {}
    _timed_phases(spent)
    engine = make_engine(url)
    cipher = PersonalDataCipher(b"k" * 32)
    provider = SmppProvider(provider_url(args.port, args.window, args.binds, args.tps or 1_000_000))
    await provider.open()

    def now() -> datetime:
        return datetime.now(UTC)

    cpu0, t0 = time.process_time(), time.perf_counter()
    with profiled(args.profile):
        hooks = sender_hooks(cipher)  # the flows' ingest; the compliance re-check left out (allow all)
        summary = await send_due(
            engine, provider, hooks, now=now, batch_size=args.batch, worker_id="b", settle=0
        )
        t_sent = time.perf_counter()
        awaiting = sa.select(sa.func.count()).where(messages.c.status == "submitted")
        deadline = t_sent + 60
        while args.receipts == "on" and time.perf_counter() < deadline:
            await collect_inbound(engine, provider, hooks, now())
            with engine.connect() as conn:  # done when no message still awaits its receipt
                if conn.execute(awaiting).scalar_one() == 0:
                    break
            await asyncio.sleep(0.005)
    t_done, cpu = time.perf_counter(), time.process_time() - cpu0
    await provider.close()
    with engine.connect() as conn:
        states = dict(
            conn.execute(sa.select(messages.c.status, sa.func.count()).group_by(messages.c.status)).all()
        )
    engine.dispose()
    return {
        "role": "e2e",
        "db": args.db,
        "messages": args.messages,
        "accepted": summary.submitted,
        "retried": summary.retried,
        "failed": summary.refused,
        "unknown": summary.unknown,
        "batches": summary.batches,
        "receipts": int(states.get("delivered", 0)),
        "states": {str(k): int(v) for k, v in states.items()},
        "rate": sustained_rate(resp_times),
        "submit_seconds": t_sent - t0,
        "receipt_seconds": t_done - t0,
        "overall_rate": args.messages / (t_done - t0),
        "cpu_seconds": cpu,
        "db_seconds": {k: round(v, 3) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])},
    }


def _e2e(args: argparse.Namespace) -> dict[str, Any]:
    with _database(args.db) as url:
        _seed(url, args.messages, args.text, datetime.now(UTC))
        return asyncio.run(_e2e_run(args, url))


# ---------------------------------------------------------------------------------------------
# worker: the smpplib reference client


def _reference(args: argparse.Namespace) -> dict[str, Any]:
    import smpplib.client

    pairs = bodies(args.messages, args.text)
    coding = 8 if args.text == "cn" else 0
    encode: Callable[[str], bytes] = (lambda s: s.encode("utf-16-be")) if coding == 8 else str.encode
    registered = 1 if args.receipts == "on" else 0
    client = smpplib.client.Client(HOST, args.port, timeout=30, allow_unknown_opt_params=True)
    client.connect()
    client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.bind_transceiver(system_id=SYSTEM_ID, password=PASSWORD)
    resp_times: list[float] = []
    state = {"outstanding": 0, "errors": 0, "throttled": 0, "receipts": 0}
    clock = time.perf_counter

    def on_resp(pdu: Any, **_kw: Any) -> None:
        state["outstanding"] -= 1
        resp_times.append(clock())

    def on_error(pdu: Any) -> None:
        state["errors"] += 1
        if pdu.status == 0x58:
            state["throttled"] += 1
        if pdu.command != "submit_sm_resp":  # generic_nack: its submit is over too
            on_resp(pdu)

    def on_deliver(pdu: Any, **_kw: Any) -> int:
        if pdu.esm_class & 0x3C == 0x04:
            state["receipts"] += 1
        return 0

    client.set_message_sent_handler(on_resp)
    client.set_error_pdu_handler(on_error)
    client.set_message_received_handler(on_deliver)
    window, n = args.window, len(pairs)
    sent = 0
    cpu0, t0 = time.process_time(), clock()
    t_sent = t0
    expected = n if registered else 0
    while sent < n or state["outstanding"] > 0 or state["receipts"] < expected - state["errors"]:
        while state["outstanding"] < window and sent < n:
            to, body = pairs[sent]
            client.send_message(
                source_addr_ton=5,
                source_addr="95000",
                dest_addr_ton=1,
                dest_addr_npi=1,
                destination_addr=to[1:],
                short_message=encode(body),
                data_coding=coding,
                registered_delivery=registered,
            )
            sent += 1
            state["outstanding"] += 1
        if sent == n and state["outstanding"] == 0 and t_sent == t0:
            t_sent = clock()
        client.read_once()
    t_done, cpu = clock(), time.process_time() - cpu0
    if t_sent == t0:
        t_sent = t_done
    client.unbind()
    client.disconnect()
    return {
        "role": "reference",
        "messages": n,
        "accepted": n - state["errors"],
        "throttled": state["throttled"],
        "errors": state["errors"],
        "receipts": state["receipts"],
        "rate": sustained_rate(resp_times),
        "submit_seconds": t_sent - t0,
        "receipt_seconds": t_done - t0,
        "cpu_seconds": cpu,
    }


def worker_main(args: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    if args.role == "provider":
        emit(asyncio.run(_provider_run(args)))
    elif args.role == "e2e":
        emit(_e2e(args))
    else:
        emit(_reference(args))


# ---------------------------------------------------------------------------------------------
# orchestration


def _clk_tck() -> int:
    return os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process, from /proc (0.0 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _clk_tck()


class SimulatorProcess:
    """``dunning smsc`` in a subprocess; ``stats()`` asks it for its counters (SIGUSR1)."""

    def __init__(self, workdir: Path, *extra: str) -> None:
        self.stats_path = workdir / f"smsc-stats-{uuid.uuid4().hex[:6]}.json"
        exe = Path(sys.executable).with_name("dunning")
        cmd = (
            [str(exe)] if exe.exists() else [sys.executable, "-c", "from dunning.cli.main import app; app()"]
        )
        cmd += ["smsc", "--port", "0", "--scenario", "normal", "--receipt-delay", "0", "--seed", "1"]
        cmd += ["--stats", str(self.stats_path), *extra]
        env = dict(os.environ, COLUMNS="200")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.search(r"127\.0\.0\.1:(\d+)", line)
        if not found:
            self.proc.kill()
            raise RuntimeError(f"simulator did not start: {line!r}")
        self.port = int(found.group(1))

    @property
    def cpu(self) -> float:
        return proc_cpu(self.proc.pid)

    def stats(self) -> dict[str, Any]:
        self.stats_path.unlink(missing_ok=True)
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.stats_path.exists():  # written atomically (rename): complete once it exists
                data: dict[str, Any] = json.loads(self.stats_path.read_text(encoding="utf-8"))
                return data
            time.sleep(0.01)
        raise RuntimeError("simulator wrote no stats")

    def stop(self) -> dict[str, Any]:
        self.stats_path.unlink(missing_ok=True)
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        data: dict[str, Any] = json.loads(self.stats_path.read_text(encoding="utf-8"))
        self.stats_path.unlink(missing_ok=True)
        return data


def run_worker(
    args: argparse.Namespace, role: str, port: int, sim: SimulatorProcess, tag: str
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--role", role, "--port", str(port)]
    for name in ("messages", "window", "binds", "receipts", "batch", "db", "text", "tps"):
        cmd += [f"--{name}", str(getattr(args, name))]
    if args.profile and role != "reference":
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        cmd += ["--profile", str(Path(args.profile) / f"{role}-{tag}.prof")]
    sim_cpu0 = sim.cpu
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    sim_cpu = sim.cpu - sim_cpu0
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        sys.stderr.write(out.stdout + out.stderr)
        raise RuntimeError(f"{role} run failed (exit {out.returncode})")
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    result["sim_cpu_seconds"] = sim_cpu
    # The simulator is saturated when it was busy nearly all of the client's sending time.
    result["sim_busy"] = sim_cpu / result["receipt_seconds"] if result["receipt_seconds"] else 0.0
    return result


def _median(results: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in results if isinstance(r.get(key), int | float) and not math.isnan(r[key])]
    return statistics.median(values) if values else float("nan")


def throughput(args: argparse.Namespace) -> int:
    roles = [r.strip() for r in args.only.split(",") if r.strip()]
    label = {
        "e2e": f"ours e2e ({args.db})",
        "provider": "ours provider-only",
        "reference": "smpplib reference",
    }
    results: dict[str, list[dict[str, Any]]] = {r: [] for r in roles}
    receipts_mode = "requested" if args.receipts == "on" else "never"
    with tempfile.TemporaryDirectory(prefix="bench-send-") as tmp:
        sim = SimulatorProcess(Path(tmp), "--receipts", receipts_mode)
        try:
            for i in range(args.repeat):
                for role in roles:
                    r = run_worker(args, role, sim.port, sim, f"{i}")
                    results[role].append(r)
                    print(
                        f"  run {i + 1}/{args.repeat} {label[role]:<22} {r['rate']:>9,.0f} msg/s  "
                        f"receipts {r['receipts']}/{r['accepted']} in {r['receipt_seconds']:.2f} s  "
                        f"cpu {r['cpu_seconds']:.2f} s  simulator cpu {r['sim_cpu_seconds']:.2f} s",
                        flush=True,
                    )
            sim_stats = sim.stats()
        finally:
            final = sim.stop()
    print()
    print(
        f"SMPP send, {args.messages:,} messages, window {args.window}, binds {args.binds}, "
        f"receipts {args.receipts}, median of {args.repeat}; load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    header = (
        f"{'client':<24}{'msg/s':>10}{'to last receipt':>17}{'overall msg/s':>15}"
        f"{'client cpu':>12}{'µs cpu/msg':>12}{'sim cpu':>10}{'sim busy':>10}"
    )
    print(header)
    print("-" * len(header))
    for role in roles:
        rs = results[role]
        overall = (
            _median(rs, "overall_rate") if role == "e2e" else args.messages / _median(rs, "receipt_seconds")
        )
        print(
            f"{label[role]:<24}{_median(rs, 'rate'):>10,.0f}{_median(rs, 'receipt_seconds'):>15.2f} s"
            f"{overall:>15,.0f}{_median(rs, 'cpu_seconds'):>10.2f} s"
            f"{_median(rs, 'cpu_seconds') / args.messages * 1e6:>12.0f}"
            f"{_median(rs, 'sim_cpu_seconds'):>8.2f} s"
            f"{_median(rs, 'sim_busy'):>10.0%}"
        )
    problems = []
    for role in roles:
        for r in results[role]:
            if r["accepted"] != args.messages:
                problems.append(f"{role}: {r['accepted']} of {args.messages} accepted")
            if args.receipts == "on" and r["receipts"] != r["accepted"]:
                problems.append(f"{role}: {r['receipts']} receipts for {r['accepted']} accepted")
    busiest = max((_median(results[r], "sim_busy") for r in roles), default=0.0)
    if busiest > 0.9:
        problems.append(f"the simulator was busy {busiest:.0%} of a run: it may be the bottleneck")
    if "e2e" in roles:
        last = results["e2e"][-1]
        db = last["db_seconds"]
        total = sum(db.values())
        parts = ", ".join(f"{k} {v / args.messages * 1e6:.0f}" for k, v in db.items())
        print(
            f"e2e database steps (last run, µs of wall time per message): {parts}; "
            f"together {total:.2f} s of {last['receipt_seconds']:.2f} s"
        )
    for p in problems:
        print(f"WARNING: {p}")
    print(f"simulator: {sim_stats['stats']}, total cpu {final['cpu_seconds']:.2f} s")
    ours = (
        _median(results["provider" if "e2e" not in roles else "e2e"], "rate")
        if roles != ["reference"]
        else None
    )
    ref = _median(results["reference"], "rate") if "reference" in roles else None
    summary = {
        "messages": args.messages,
        "window": args.window,
        "binds": args.binds,
        "receipts": args.receipts,
        "db": args.db if "e2e" in roles else None,
        "ours_msg_s": round(ours) if ours is not None and not math.isnan(ours) else None,
        "ours_e2e_msg_s": round(_median(results["e2e"], "rate")) if "e2e" in roles else None,
        "ours_e2e_overall_msg_s": round(_median(results["e2e"], "overall_rate")) if "e2e" in roles else None,
        "ours_provider_msg_s": round(_median(results["provider"], "rate")) if "provider" in roles else None,
        "reference_msg_s": round(ref) if ref is not None else None,
        "ratio": round(ours / ref, 3) if ours and ref else None,
        "ratio_provider": (
            round(_median(results["provider"], "rate") / ref, 3) if "provider" in roles and ref else None
        ),
        "cpu": {role: round(_median(results[role], "cpu_seconds"), 3) for role in roles},
        "sim_cpu": {role: round(_median(results[role], "sim_cpu_seconds"), 3) for role in roles},
        "load_average": round(os.getloadavg()[0], 2),
        "problems": problems,
    }
    print(json.dumps(summary, separators=(",", ":")))
    return 1 if problems else 0


def tps_mode(args: argparse.Namespace) -> int:
    paths = [p.strip() for p in args.tps_path.split(",") if p.strip()]
    # The contract: never above the rate (a peer that enforces it never throttles us); a wall-clock
    # second may hold one more when a token due at its start lands a hair late. Below the rate is a
    # shortfall, reported as "held" (mean of full seconds / rate), not a breach.
    high = math.floor(args.tps) + 1
    wanted = int(args.tps * args.duration)
    outcome: dict[str, Any] = {
        "tps": args.tps,
        "duration": args.duration,
        "binds": args.binds,
        "window": args.window,
        "runs": {},
    }
    failed = False
    run_args = argparse.Namespace(**vars(args))
    run_args.messages = wanted
    with tempfile.TemporaryDirectory(prefix="bench-send-") as tmp:
        for path in paths:
            sim = SimulatorProcess(
                Path(tmp),
                "--tps",
                f"{args.tps:g}",
                "--tps-burst",
                str(args.sim_burst),
                "--tps-scope",
                "account",
                "--receipts",
                "requested" if args.receipts == "on" else "never",
            )
            try:
                r = run_worker(run_args, path, sim.port, sim, "tps")
            finally:
                stats = sim.stop()
            per_second = {int(k): v for k, v in stats["accepted_per_second"].items()}
            seconds = sorted(per_second)
            full = (
                [per_second.get(s, 0) for s in range(seconds[0] + 1, seconds[-1])] if len(seconds) > 2 else []
            )
            throttled = int(stats["stats"].get("throttled", 0))
            ok = bool(full) and throttled == 0 and max(full) <= high
            held = sum(full) / len(full) / args.tps if full else 0.0
            failed |= not ok
            outcome["runs"][path] = {
                "pass": ok,
                "throttled": throttled,
                "full_seconds": len(full),
                "per_second_min": min(full) if full else None,
                "per_second_max": max(full) if full else None,
                "held": round(held, 4),
                "accepted": r["accepted"],
                "retried": r["retried"],
                "client_rate": round(wanted / r["submit_seconds"], 1),
                "client_cpu": round(r["cpu_seconds"], 2),
                "sim_cpu": round(r["sim_cpu_seconds"], 2),
            }
            print(
                f"TPS {args.tps:g}, binds {args.binds}, {path}: {len(full)} full seconds, "
                f"per second min {min(full) if full else '-'} max {max(full) if full else '-'} "
                f"(at most {high}), held {held:.1%} of the rate, throttled {throttled}, "
                f"accepted {r['accepted']}/{wanted} "
                f"-> {'PASS' if ok else 'FAIL'}",
                flush=True,
            )
            if args.verbose:
                print("  per second:", full)
    print(json.dumps(outcome, separators=(",", ":")))
    return 1 if failed else 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--window", type=int, default=50)
    ap.add_argument("--binds", type=int, default=1)
    ap.add_argument("--receipts", choices=("on", "off"), default="on")
    ap.add_argument("--tps", type=float, default=0, help="0 = throughput mode; R = TPS check at R/s")
    ap.add_argument("--duration", type=float, default=30, help="seconds of the TPS check")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--batch", type=int, default=500, help="messages per submit_batch (send_due batch size)")
    ap.add_argument("--text", choices=("cn", "en"), default="cn")
    ap.add_argument("--only", default="e2e,provider,reference", help="which clients, comma-separated")
    ap.add_argument("--tps-path", default="provider,e2e", help="TPS check through: provider, e2e")
    ap.add_argument("--sim-burst", type=int, default=5, help="the simulator's token bucket depth")
    ap.add_argument("--profile", default="", help="directory for cProfile output of our runs")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--role", choices=("provider", "e2e", "reference"), help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.messages < 100 or args.window < 1 or args.binds < 1 or args.repeat < 1 or args.batch < 1:
        ap.error("need --messages >= 100 and positive --window, --binds, --repeat, --batch")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.role:
        worker_main(args)
        return 0
    return tps_mode(args) if args.tps else throughput(args)


if __name__ == "__main__":
    sys.exit(main())
