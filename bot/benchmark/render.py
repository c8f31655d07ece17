"""Formats the benchmark figures as a plain-text table, with the targets next to them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.benchmark.agent_replies import agent_reply_target_lines
from bot.benchmark.intake import IntakeResult
from bot.benchmark.stats import LoadResult
from bot.benchmark.telegram import telegram_target_lines
from bot.benchmark.think import THINKING
from bot.benchmark.webchat import webchat_target_lines

REST_P50_TARGET_MS = 60.0
REST_RATE_TARGET = 40.0


@dataclass
class Figures:
    """Everything one benchmark run measured (None where a figure was not taken)."""

    machine: str
    model: str
    startup_s: float
    memory_mb: dict[str, dict[str, float]] = field(default_factory=dict)
    parse: list[LoadResult] = field(default_factory=list)
    rest: list[LoadResult] = field(default_factory=list)
    channels: list[LoadResult] = field(default_factory=list)  # customer channels: message to reply shown
    intake: IntakeResult | None = None
    intake_note: str = ""
    training_s: float | None = None
    training_note: str = ""


def _ms(value: float) -> str:
    """Milliseconds, or n/a."""
    return f"{value:8.1f}" if not math.isnan(value) else f"{'n/a':>8}"


def _mark(met: bool) -> str:
    """PASS or MISS."""
    return "PASS" if met else "MISS"


def _level(result: LoadResult) -> str:
    """One row of the latency table."""
    return (
        f"  {result.target:<18}{result.concurrency:>5}{result.requests:>8}{result.errors:>7}"
        f"{_ms(result.p(50))}{_ms(result.p(95))}{_ms(result.p(99))}{result.per_second:9.1f}"
    )


def _rest_at(figures: Figures, concurrency: int) -> LoadResult | None:
    """The REST level run at `concurrency`, if any."""
    return next((r for r in figures.rest if r.concurrency == concurrency), None)


def target_lines(figures: Figures) -> list[str]:
    """The two REST targets with PASS/MISS."""
    lines = ["Targets"]
    single, ten = _rest_at(figures, 1), _rest_at(figures, 10)
    if single is not None:
        p50 = single.p(50)
        lines.append(
            f"  [{_mark(p50 <= REST_P50_TARGET_MS)}] REST turn p50 at 1 conversation "
            f"<= {REST_P50_TARGET_MS:.0f} ms: {p50:.1f} ms"
        )
    if ten is not None:
        rate = ten.per_second
        lines.append(
            f"  [{_mark(rate >= REST_RATE_TARGET)}] REST turns/s at 10 concurrent conversations "
            f">= {REST_RATE_TARGET:.0f}: {rate:.1f}"
        )
    lines.extend(webchat_target_lines(figures.channels))
    lines.extend(telegram_target_lines(figures.channels))
    lines.extend(agent_reply_target_lines(figures.channels))
    return lines


def _training_line(figures: Figures) -> str:
    """Training time, or why it was not measured."""
    value = f"{figures.training_s:.1f} s" if figures.training_s is not None else "not measured"
    note = f"  ({figures.training_note})" if figures.training_note else ""
    return f"Training time (full model, fresh models dir): {value}{note}"


def _memory_lines(figures: Figures) -> list[str]:
    """Resident memory of each server after warm-up and after the load."""
    lines = [f"{'Resident memory (VmRSS, MB)':<30}{'after warm-up':>14}{'after load':>12}"]
    for name, values in figures.memory_mb.items():
        warm, loaded = values.get("after_warmup", math.nan), values.get("after_load", math.nan)
        lines.append(f"  {name:<28}{warm:>14.0f}{loaded:>12.0f}")
    return lines


def _latency_lines(figures: Figures) -> list[str]:
    """The latency and throughput table."""
    header = f"  {'latency (ms)':<18}{'conc':>5}{'reqs':>8}{'errors':>7}"
    header += f"{'p50':>8}{'p95':>8}{'p99':>8}{'msg/s':>9}"
    return [
        header,
        *(_level(r) for r in figures.parse),
        *(_level(r) for r in figures.rest),
        *(_level(r) for r in figures.channels),
        "  (each conversation sends its next message after the previous reply; rows `+ think` pause",
        f"   {THINKING.label()} first, like a customer reading and typing; msg/s = successful",
        "   requests / wall time of the level; the load client shares the machine with the servers)",
    ]


def _intake_line(figures: Figures) -> str:
    """Complete intakes per minute and median turns, or why there are none."""
    intake = figures.intake
    note = f" ({figures.intake_note})" if figures.intake_note else ""
    if intake is None:
        return f"Complete intakes per minute: n/a{note}"
    head = f"Complete intakes at {intake.concurrency} concurrent customers: "
    if not intake.completed:
        return f"{head}0 of {intake.attempted} reached a ticket reference{note}"
    return (
        f"{head}{intake.per_minute:.1f} per minute, median {intake.median_turns:g} turns per intake "
        f"({intake.completed} of {intake.attempted} reached a ticket reference in {intake.wall_s:.1f} s)"
    )


def render(figures: Figures) -> list[str]:
    """The whole report as lines."""
    return [
        "",
        f"Benchmark: {figures.model} on {figures.machine}",
        "",
        _training_line(figures),
        f"Server start-up (action server + Rasa until both answer): {figures.startup_s:.1f} s",
        "",
        *_memory_lines(figures),
        "",
        *_latency_lines(figures),
        "",
        _intake_line(figures),
        "",
        *target_lines(figures),
    ]
