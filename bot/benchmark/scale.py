"""Scale figures: REST turns/s and p95 through nginx with 1 and with 2 Rasa processes (`make bench`).

Both runs share a PostgreSQL and a Redis of their own (tests/own_services.py), as the cluster does in
production. On this 2-core machine the gain of a second process is bounded by the cores: a turn is CPU
work (NLU, policies), so two processes can at best double the turns/s when nothing else runs, and
the machine is shared. Skipped with --quick (it starts three Rasa processes, several minutes).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from pathlib import Path

from bot.benchmark.client import webhook_sender
from bot.benchmark.load import run_load
from bot.benchmark.messages import CONVERSATIONS
from bot.benchmark.stats import LoadResult
from bot.runtime.settings import PROJECT_ROOT, load_settings

JSON_PATH = PROJECT_ROOT / "reports" / "scale.json"
CONCURRENCY = 10
TURNS = 300
WARMUP_TURNS = 20


async def _measure(url: str, api_token: str) -> LoadResult:
    """Warm-up, then TURNS REST turns at CONCURRENCY concurrent conversations through nginx."""
    send = webhook_sender(f"{url}/webhooks/web/webhook", api_token)
    await run_load(send, CONVERSATIONS, 2, WARMUP_TURNS, "warm-up")
    return await run_load(send, CONVERSATIONS, CONCURRENCY, TURNS, "REST turn via nginx")


def measure_scale(model: Path, processes: tuple[int, ...] = (1, 2)) -> dict[int, LoadResult]:
    """Turns/s and latency for each number of Rasa processes, on one PostgreSQL and Redis of our own."""
    from bot.runtime.cluster import running_cluster
    from tests.own_services import own_postgres, own_redis

    results: dict[int, LoadResult] = {}
    with own_postgres() as database, own_redis() as redis_server:
        for count in processes:
            api_token = secrets.token_urlsafe(24)
            env = {
                "DATABASE_URL": database.url,
                "REDIS_URL": redis_server.url,
                "REDIS_KEY_PREFIX": f"scale{count}-",
                "WEB_API_TOKEN": api_token,
            }
            run_dir = PROJECT_ROOT / "var" / "bench-logs" / f"cluster-{count}"
            with running_cluster(model, count, extra_env=env, run_dir=run_dir) as cluster:
                print(
                    f"Scale: {count} Rasa process(es) up in {cluster.started_in_s:.0f} s; measuring...",
                    flush=True,
                )
                results[count] = asyncio.run(_measure(cluster.url, api_token))
    return results


def scale_lines(results: dict[int, LoadResult]) -> list[str]:
    """The figures as printed lines."""
    lines = [
        f"Scale (REST turns through nginx, {CONCURRENCY} concurrent conversations, {os.cpu_count()} cores):"
    ]
    for count, result in sorted(results.items()):
        lines.append(
            f"  {count} Rasa process(es): {result.per_second:.1f} turns/s, p50 {result.p(50):.0f} ms, "
            f"p95 {result.p(95):.0f} ms, {result.requests} turns, {result.errors} errors"
        )
    if 1 in results and 2 in results and results[1].per_second > 0:
        gain = results[2].per_second / results[1].per_second
        lines.append(
            f"  gain of the second process: x{gain:.2f} (bounded by the {os.cpu_count()} cores, shared with "
            "other work on this machine; more processes only help with more cores)"
        )
    return lines


def main(quick: bool) -> int:
    """Print the scale figures (skipped with --quick); non-zero if a turn failed."""
    if quick:
        print("Scale (1 vs 2 Rasa processes behind nginx): skipped with --quick (starts 3 Rasa processes)")
        return 0
    from bot.runtime.training import ensure_model

    results = measure_scale(ensure_model(load_settings().models_dir))
    JSON_PATH.parent.mkdir(parents=True, exist_ok=True)
    JSON_PATH.write_text(
        json.dumps({str(k): v.as_dict() for k, v in results.items()}, indent=2, ensure_ascii=False) + "\n"
    )
    print("\n".join(scale_lines(results)), flush=True)
    return 1 if any(r.errors for r in results.values()) else 0


if __name__ == "__main__":
    import sys

    sys.exit(main("--quick" in sys.argv))
