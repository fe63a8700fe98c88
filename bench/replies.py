"""Benchmark (not a timed test): replies classified per second by ``classify_many`` on one core.

    .venv/bin/python bench/replies.py [-n 200000] [--batch 5000]

Replies are sampled from the packaged corpus (training and holdout) and mutated so few repeat:
a random prefix and suffix (greetings, punctuation, emoji, a number), case changes, and for a share
of them two replies joined. The model is trained before the clock starts. Prints one line.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime


def _replies(n: int, seed: int) -> list[tuple[str, str]]:
    from dunning.replies.corpus import load_rows

    rows = load_rows("replies.jsonl") + load_rows("holdout.jsonl")
    rng = random.Random(seed)
    before = ["", "", "", "你好，", "hi ", "喂 ", "亲，", "ok ", "嗯，", "hello, "]
    after = ["", "", "!", "。", "？", " 谢谢", " thanks", " 🙏", " 😅", "~", " pls", "！！"]
    out = []
    for _ in range(n):
        row = rng.choice(rows)
        text = row.text
        if rng.random() < 0.15:
            text = text + "，" + rng.choice(rows).text
        if rng.random() < 0.2:
            text = text.upper() if rng.random() < 0.5 else text.lower()
        text = rng.choice(before) + text + rng.choice(after)
        if rng.random() < 0.5:
            text += str(rng.randint(0, 999))
        out.append((row.profile, text))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from dunning.replies import classify_many
    from dunning.replies.model import default_model

    replies = _replies(args.n, args.seed)
    by_profile = {p: [t for q, t in replies if q == p] for p in ("CN", "US")}
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    default_model()  # train outside the timing
    classify_many(["warm up"], profile="CN", now=now)
    started = time.process_time()
    for profile, texts in by_profile.items():
        for i in range(0, len(texts), args.batch):
            classify_many(texts[i : i + args.batch], profile=profile, now=now)
    seconds = time.process_time() - started
    unique = len({t for _, t in replies})
    print(
        f"replies classified per second: {args.n / seconds:,.0f} "
        f"({args.n:,} replies, {unique / args.n:.0%} distinct, batches of {args.batch}, {seconds:.2f} s CPU)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
