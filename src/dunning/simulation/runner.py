"""``dunning simulate``: the real planner, gate and sender, day by day, against simulated debtors.

Each policy runs in a directory of its own (SQLite, the shipped templates and compliance profile)
on the same sample portfolio and the same debtors (:mod:`.behaviour`, seeded). A simulated day:

1. 08:00 local — plan (``none`` plans nothing; the promise follow-up still runs);
2. each instant a message becomes due — send through the built-in SMSC over real SMPP;
3. 20:45 — a pass that only listens (the last receipts); the debtors who got a reminder answer
   (their replies go to the SMSC, which delivers them as MO messages);
4. 21:00 — a pass that takes the replies in (opt-outs, complaints, promises … acted on);
5. 21:30 — the day's payments are recorded (a payments file, as a lender's core system sends it).

Policies: ``none`` (no SMS), ``rules`` (the shipped cadence), ``adaptive`` (the shipped adaptive
strategy: learns inside the daily plan), ``oracle`` (knows each debtor's hidden reaction; sends only
when the expected gain beats the same costs the adaptive policy uses).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dunning.core.errors import InputError
from dunning.simulation.behaviour import Behaviour, Delivery, Population

__all__ = ["POLICIES", "PolicyResult", "simulate"]

POLICIES = ("none", "rules", "adaptive", "oracle")
_PLAN, _LISTEN, _REPLIES, _PAYMENTS = time(8, 0), time(20, 45), time(21, 0), time(21, 30)


@dataclass
class PolicyResult:
    policy: str
    accounts: int
    days: int
    seed: int
    recovered: float = 0.0
    payers: int = 0
    messages: int = 0
    delivered: int = 0
    complaints: int = 0
    opt_outs: int = 0
    replies: int = 0
    seconds: float = 0.0
    incremental: float | None = None
    daily: list[dict[str, Any]] = field(default_factory=list)

    @property
    def per_thousand(self) -> float:
        return round(self.recovered / self.messages * 1000, 2) if self.messages else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["recovered_per_1000_messages"] = self.per_thousand
        return out


def _local(day: date, at: time, tz: Any) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def simulate(
    policy: str,
    *,
    accounts: int,
    days: int,
    seed: int,
    profile: str = "CN",
    start: date = date(2026, 3, 2),
    workdir: Path | None = None,
    directory: Path | None = None,
    strategy: Path | None = None,
    on_day: Callable[[int], None] | None = None,
) -> PolicyResult:
    """Run one policy; returns its figures (recovered in major units of the profile's currency).

    It runs in ``directory`` when given (an empty directory, kept afterwards: a working directory
    like any other), else in ``workdir/<policy>`` (kept), else in a temporary directory. ``strategy``:
    a strategy file of your own for the policy it is written for (``policy: adaptive`` files for
    ``adaptive`` and ``oracle``, rules files for ``rules``) instead of the shipped one."""
    if policy not in POLICIES:
        raise InputError(
            f"--policy must be one of {', '.join(POLICIES)}, not {policy!r}",
            f"--policy 须为 {', '.join(POLICIES)} 之一，而非 {policy!r}",
        )
    keep = workdir is not None or directory is not None
    root = workdir if workdir is not None else Path(tempfile.mkdtemp(prefix="dunning-sim-"))
    if directory is None:
        directory = root / policy
    _fresh(directory)
    previous_cwd = Path.cwd()
    saved_env = {k: os.environ.get(k) for k in _ENV}
    try:
        text = strategy.read_text(encoding="utf-8") if strategy is not None else None
        return _run(
            policy, directory, accounts=accounts, days=days, seed=seed, profile=profile, start=start,
            on_day=on_day, strategy_text=text,
        )  # fmt: skip
    finally:
        os.chdir(previous_cwd)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        from dunning.core.settings import reset_settings_cache

        reset_settings_cache()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


MARKER = ".dunning-simulation"


def _fresh(directory: Path) -> None:
    """An empty directory for a run: made, or emptied when an earlier simulation made it; any
    other directory with something in it is refused (nothing of the user's is ever removed)."""
    if directory.exists():
        contents = [p for p in directory.iterdir() if not p.name.startswith(".dunning-")]
        if (directory / MARKER).exists():
            shutil.rmtree(directory)
        elif contents:
            raise InputError(
                f"{directory} is not empty and no simulation made it; choose another directory",
                f"{directory} 非空且不是模拟目录，请换一个目录",
            )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("created by `dunning simulate`; safe to delete\n", encoding="utf-8")


_ENV = (
    "DUNNING_DATABASE_URL",
    "DUNNING_PROFILE",
    "DUNNING_PROVIDER_URL",
    "DUNNING_SECRET_KEY",
    "DUNNING_KEYRING",
)


def _run(
    policy: str,
    directory: Path,
    *,
    accounts: int,
    days: int,
    seed: int,
    profile: str,
    start: date,
    on_day: Callable[[int], None] | None,
    strategy_text: str | None = None,
) -> PolicyResult:
    from time import perf_counter

    from dunning import flows
    from dunning.core.clock import zone
    from dunning.core.db import make_engine, unit_of_work
    from dunning.core.keyring import load_cipher
    from dunning.core.profiles import PROFILE_TIME_ZONE
    from dunning.core.settings import get_settings, reset_settings_cache
    from dunning.defaults import read_default
    from dunning.portfolio.sample import generate, write_sample
    from dunning.sending.smsc import SimulatorThread
    from dunning.sending.smsc.debtors import reply_text

    started = perf_counter()
    profile = profile.upper()
    tz = zone(PROFILE_TIME_ZONE[profile])
    password = secrets.token_hex(4)
    simulator = SimulatorThread(
        "normal",
        password=password,
        outcomes={"DELIVRD": 1.0},
        seed=seed,
        receipt_delay=0.01,
    ).start()
    try:
        os.chdir(directory)
        os.environ["DUNNING_DATABASE_URL"] = f"sqlite:///{directory / 'dunning.db'}"
        os.environ["DUNNING_PROFILE"] = profile
        os.environ["DUNNING_PROVIDER_URL"] = (
            f"smpp://dunning:{password}@127.0.0.1:{simulator.port}?tps=20000&window=50"
        )
        os.environ.pop("DUNNING_SECRET_KEY", None)
        os.environ.pop("DUNNING_KEYRING", None)
        reset_settings_cache()
        from dunning.cli.setup_cmd import prepare_install

        prepare_install(profile)
        settings = get_settings()
        from dunning.strategy.loader import parse_strategy

        adaptive = policy in ("adaptive", "oracle")
        own = parse_strategy(strategy_text, "--strategy") if strategy_text is not None else None
        if own is not None and (own.policy == "adaptive") == adaptive:
            settings.strategy_file.write_text(strategy_text or "", encoding="utf-8")
        elif adaptive:
            settings.strategy_file.write_text(
                read_default(f"strategy_{profile.lower()}_adaptive.yaml"), encoding="utf-8"
            )
        engine = make_engine(settings.database_url)
        cipher = load_cipher(settings)
        sample = generate(accounts, seed, profile, start)
        files = write_sample(sample, directory / "data")
        first = _local(start, _PLAN, tz) - timedelta(hours=1)
        config = flows.load_config(settings)
        for kind in ("accounts", "contacts", "payments"):
            with unit_of_work(engine) as conn:
                flows.import_portfolio(
                    conn, kind, files[kind], cipher=cipher, profile=profile, now=first, config=config
                )

        risk = (
            sample.accounts.group_by("debtor_id")
            .agg(pl.col("risk_score").max(), pl.col("days_past_due").max())
            .sort("debtor_id")
        )
        population = Population.draw(
            risk["debtor_id"].cast(pl.String).to_list(),
            risk["risk_score"].fill_null(0.3).to_numpy(),
            risk["days_past_due"].to_numpy(),
            seed,
        )
        behaviour = Behaviour(population, days, seed)
        result = PolicyResult(policy, accounts, days, seed)
        spec = flows.policy_spec(config)
        chooser = _oracle(population, behaviour, spec) if policy == "oracle" else None
        reply_rng = __import__("random").Random(seed)
        sent_ids: set[str] = set()

        for day_index in range(days):
            day = start + timedelta(days=day_index)
            behaviour_day = day_index
            plan_at = _local(day, _PLAN, tz)
            if chooser is not None:
                chooser.day = day_index  # type: ignore[attr-defined]
            with unit_of_work(engine) as conn:
                if policy == "none":
                    flows.follow_up(conn, config, plan_at)
                else:
                    flows.plan_day(conn, config, plan_at, actor="simulation", chooser=chooser)
            with unit_of_work(engine) as conn:
                times = flows.send_times(conn, plan_at)
            for at in [*times, _local(day, _LISTEN, tz)]:
                asyncio.run(_pass(flows, engine, config, settings, cipher, at))

            # What reached the handsets today, and what the debtors made of it.
            with unit_of_work(engine) as conn:
                planned = flows.reminders_planned(
                    conn, plan_at - timedelta(hours=1), plan_at + timedelta(hours=14)
                )
                scope = flows.debtors_in_scope(conn, config, _local(day, _PAYMENTS, tz))
            received = {r.message_id: r.destination for r in simulator.received if r.part_seq in (None, 1)}
            submitted = planned.filter(pl.col("provider_message_id").is_not_null())
            delivered = submitted.filter(pl.col("status") == "delivered")
            result.messages += submitted.height
            result.delivered += delivered.height
            dpd_of = {
                population.index[r]: int(d)
                for r, d in scope.select("debtor_ref", "days_past_due").iter_rows()
                if r in population.index
            }
            deliveries = []
            phone_of: dict[int, str] = {}
            for ref, template, scheduled, provider_id in delivered.select(
                "debtor_ref", "template_id", "scheduled_at", "provider_message_id"
            ).iter_rows():
                i = population.index.get(str(ref))
                if i is None:
                    continue
                local = scheduled.astimezone(tz)
                deliveries.append(Delivery(i, local.hour * 60 + local.minute, str(template)))
                if provider_id in received:
                    phone_of[i] = received[provider_id]
                sent_ids.add(str(provider_id))
            replies = behaviour.deliver(behaviour_day, deliveries, dpd_of)
            for i, intent in replies:
                result.replies += 1
                result.complaints += intent == "complaint"
                result.opt_outs += intent == "opt_out"
                if i in phone_of:
                    simulator.send_mo(
                        phone_of[i], reply_text(intent, "zh" if profile == "CN" else "en", reply_rng)
                    )
            asyncio.run(_pass(flows, engine, config, settings, cipher, _local(day, _REPLIES, tz)))

            # The day's payments.
            in_scope = np.array(
                [population.index[r] for r in scope["debtor_ref"].to_list() if r in population.index],
                dtype=np.int64,
            )
            dpd = np.array([dpd_of[i] for i in in_scope.tolist()], dtype=np.int64)
            pay_at = _local(day, _PAYMENTS, tz)
            rows: list[flows.PaymentIn] = []
            by_ref = dict(zip(scope["debtor_ref"].to_list(), scope["debtor_pk"].to_list(), strict=True))
            with unit_of_work(engine) as conn:
                for i, share in behaviour.payments(behaviour_day, in_scope, dpd):
                    for n, account in enumerate(flows.open_accounts(conn, by_ref[population.refs[i]])):
                        amount = account["remaining_minor"] if share >= 1 else account["remaining_minor"] // 2
                        if amount <= 0 or (share < 1 and n > 0):
                            continue
                        rows.append(
                            flows.PaymentIn(
                                payment_id=f"SIM-{seed}-{day_index}-{i}-{n}",
                                account_id=account["account_id"],
                                amount=f"{amount / 100:.2f}",
                                currency=account["currency"],
                                paid_at=pay_at.isoformat(),
                            )
                        )
                        result.recovered += amount / 100
                    result.payers += 1
                if rows:
                    flows.record_payments(
                        conn, rows, pay_at, cipher=cipher, config=config, actor="simulation"
                    )
            result.daily.append(
                {
                    "day": day_index,
                    "messages": submitted.height,
                    "payers": len({r.payment_id.split("-")[3] for r in rows}),
                    "recovered": round(sum(float(r.amount) for r in rows), 2),
                }
            )
            if on_day is not None:
                on_day(day_index)
        result.recovered = round(result.recovered, 2)
        result.seconds = round(perf_counter() - started, 1)
        return result
    finally:
        simulator.stop()


async def _pass(flows: Any, engine: Any, config: Any, settings: Any, cipher: Any, at: datetime) -> None:
    provider = flows.provider_from(settings)
    async with provider:
        await flows.send_day(engine, config, provider, cipher, at, settle=0.05)


class _Oracle:
    """Knows each debtor's hidden reaction: sends the best template and window when the expected
    gain (balance × uplift) beats the same costs the adaptive policy is given."""

    def __init__(self, population: Population, behaviour: Behaviour, spec: Any) -> None:
        self.population = population
        self.behaviour = behaviour
        self.spec = spec
        self.day = 0

    def __call__(self, frame: pl.DataFrame, slots: tuple[str, ...]) -> list[str]:
        from dunning.strategy.models import parse_window

        starts = [(slot, parse_window(slot)[0]) for slot in slots]
        out = []
        for ref, dpd, amount, options in frame.select(
            "debtor_ref", "days_past_due", "amount_minor", "template_options"
        ).iter_rows():
            i = self.population.index.get(str(ref))
            best, best_value = "skip", 0.0
            for template in [t for t in (options or []) if t in self.spec.templates]:
                for slot, start in starts:
                    gain = (
                        amount / 100 * self.behaviour.uplift(i, self.day, start, template, int(dpd))
                        if i is not None
                        else 0.0
                    )
                    harm = self.behaviour.harm(i, self.day, start, template) if i is not None else 0.0
                    value = gain - self.spec.harm_cost * harm - self.spec.message_cost
                    if value > best_value:
                        best, best_value = f"{template}@{slot}", value
            out.append(best)
        return out


def _oracle(population: Population, behaviour: Behaviour, spec: Any) -> _Oracle:
    return _Oracle(population, behaviour, spec)
