"""`make eval` section: the early-warning detector on seeded synthetic histories with injected ramps.

Background weekly counts are negative-binomial (size 10) around baseline x exposure growth; one cell in
ten gets a 2x rise and one in ten a 3x rise from a known week, then held: a step (full rise in its first
week) and, as a second run, a linear ramp reaching the multiplier in its third week.
Printed for the seed the detector was tuned on and for a second seed. Reported: detection rate,
median delay in weeks, counted as the weeks of data the alarm had: the detector runs when a week is complete,
so an alarm raised on the ramp's first week has delay 1 (one week after the rise began), one on its third
week delay 3; false alarms per 100 cell-years (new alarm episodes in weeks without a ramp); the naive rule
(count >= c x mean of the last four weeks) with c raised until its false-alarm rate is no higher than ours;
and, for the ramp, the share found by its third week next to an upper bound no detector can pass
(ramp_bound).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import nbinom

from bot.analytics.warning.detector import BASELINE_WEEKS, WINDOWS, adjust, dispersion_size, week_p_values

CELLS = 1000
WEEKS = 130
NB_SIZE = 10.0
RAMP_SHAPES = {"step": 1, "3-week ramp": 3}  # weeks until the full multiplier
HORIZON = 12  # a ramp counts as detected if an alarm comes within this many weeks of its start
SEED = 20261125  # the detector's windows and FDR were tuned on this seed
CHECK_SEED = 7  # ...and checked on this one


@dataclass
class Histories:
    """Synthetic counts and exposure, with the ramp of each cell (multiplier 1 = none)."""

    counts: np.ndarray
    exposure: np.ndarray
    baseline: np.ndarray
    multiplier: np.ndarray
    start: np.ndarray


def synthesize(seed: int = SEED, ramp_weeks: int = 1, cells: int = CELLS, weeks: int = WEEKS) -> Histories:
    """Seeded histories: baselines 1-10 a week (log-uniform), fleets growing 0-40% over the period."""
    rng = np.random.default_rng(seed)
    baseline = np.exp(rng.uniform(np.log(1), np.log(10), cells))
    growth = rng.uniform(0.0, 0.4, cells)
    exposure = 1000.0 * (1 + growth[:, None] * np.arange(weeks)[None, :] / weeks)
    multiplier = rng.choice([1.0, 2.0, 3.0], cells, p=[0.8, 0.1, 0.1])
    first = BASELINE_WEEKS + max(WINDOWS) + 10
    start = rng.integers(first, weeks - HORIZON, cells)
    ramp = np.ones((cells, weeks))
    for cell in range(cells):
        if multiplier[cell] > 1:
            steps = np.clip((np.arange(weeks) - start[cell] + 1) / ramp_weeks, 0, 1)
            ramp[cell] = 1 + (multiplier[cell] - 1) * steps
    mean = baseline[:, None] * exposure / 1000.0 * ramp
    counts = rng.negative_binomial(NB_SIZE, NB_SIZE / (NB_SIZE + mean))
    return Histories(counts, exposure, baseline, multiplier, start)


def detector_alarms(h: Histories) -> np.ndarray:
    """Alarms (cells x weeks) of our detector run every week as `bot warnings` runs it."""
    cells, weeks = h.counts.shape
    alarms = np.zeros((cells, weeks), dtype=bool)
    first = BASELINE_WEEKS + max(WINDOWS)
    for week in range(first, weeks):
        base = h.counts[:, max(0, week + 1 - max(WINDOWS) - BASELINE_WEEKS) : week + 1 - max(WINDOWS)]
        size = dispersion_size(base)
        p, *_ = week_p_values(h.counts, h.exposure, week, size)
        alarms[:, week], _ = adjust(p)
    return alarms


def naive_alarms(h: Histories, factor: float) -> np.ndarray:
    """count >= factor x mean of the previous four weeks (and at least one complaint)."""
    cells, weeks = h.counts.shape
    alarms = np.zeros((cells, weeks), dtype=bool)
    for week in range(BASELINE_WEEKS + max(WINDOWS), weeks):
        mean = h.counts[:, week - 4 : week].mean(axis=1)
        alarms[:, week] = (h.counts[:, week] >= factor * mean) & (h.counts[:, week] > 0) & (mean > 0)
    return alarms


def score(h: Histories, alarms: np.ndarray, ramp: float) -> dict[str, float]:
    """Detection rate and median delay for ramps of `ramp`, false alarms per 100 cell-years (all cells)."""
    cells, weeks = alarms.shape
    first = BASELINE_WEEKS + max(WINDOWS)
    episodes = alarms[:, first:] & ~np.concatenate([np.zeros((cells, 1), bool), alarms[:, first:-1]], axis=1)
    null_weeks = np.ones((cells, weeks), dtype=bool)
    for cell in range(cells):
        if h.multiplier[cell] > 1:
            null_weeks[cell, h.start[cell] :] = False
    false_alarms = int((episodes & null_weeks[:, first:]).sum())
    cell_years = null_weeks[:, first:].sum() / 52.0
    delays = []
    targets = np.where((h.multiplier == ramp) & (h.baseline >= 1))[0]
    for cell in targets:
        hits = np.where(alarms[cell, h.start[cell] : h.start[cell] + HORIZON])[0]
        if len(hits):
            delays.append(int(hits[0]) + 1)
    return {
        "ramps": len(targets),
        "detected": len(delays) / len(targets) if len(targets) else 0.0,
        "median_delay_weeks": float(np.median(delays)) if delays else float("nan"),
        "false_alarms_per_100_cell_years": 100 * false_alarms / cell_years,
    }


def found_by(h: Histories, alarms: np.ndarray, ramp: float, weeks: int) -> float:
    """Share of the cells with a rise to `ramp` x that alarmed within its first `weeks` weeks."""
    targets = np.where((h.multiplier == ramp) & (h.baseline >= 1))[0]
    hits = [bool(alarms[cell, h.start[cell] : h.start[cell] + weeks].any()) for cell in targets]
    return float(np.mean(hits)) if hits else 0.0


@lru_cache(maxsize=8)
def ramp_bound(
    episode_weeks: float,
    multiplier: float = 3.0,
    ramp_weeks: int = 3,
    false_alarms_per_100_cell_years: float = 1.0,
    baselines: int = 24,
) -> float:
    """The most any detector can find of linear ramps to `multiplier` by the ramp's last ramp week.

    An oracle knows the cell's baseline (log-uniform 1-10 a week as synthesize draws), the negative-binomial
    size, the onset and the ramp's shape, and tests those weeks once with the Neyman-Pearson (likelihood
    ratio, randomised) test. A detector allowed the given false alarms per 100 cell-years, whose false alarms
    last `episode_weeks`, is in alarm at some null week of a `ramp_weeks` span with probability about
    rate x (ramp_weeks + episode_weeks - 1); the oracle gets that much, and no detector using the same
    weeks can have more power. Exact: the joint distribution of the weekly counts is enumerated.
    """
    alpha = false_alarms_per_100_cell_years / 100 / 52 * (ramp_weeks + episode_weeks - 1)
    steps = 1 + (multiplier - 1) * np.arange(1, ramp_weeks + 1) / ramp_weeks
    quantiles = (np.arange(baselines) + 0.5) / baselines
    powers = []
    for mu in np.exp(np.log(10) * quantiles):  # log-uniform between 1 and 10
        top = int(nbinom.isf(1e-10, NB_SIZE, NB_SIZE / (NB_SIZE + mu * multiplier))) + 1
        x = np.arange(top)
        null = np.ones(1)
        alternative = np.ones(1)
        for step in steps:  # outer products: the joint pmf over the weeks, flattened
            null = np.multiply.outer(null, nbinom.pmf(x, NB_SIZE, NB_SIZE / (NB_SIZE + mu))).ravel()
            alternative = np.multiply.outer(
                alternative, nbinom.pmf(x, NB_SIZE, NB_SIZE / (NB_SIZE + mu * step))
            ).ravel()
        order = np.argsort(-(alternative / np.maximum(null, 1e-300)))
        null, alternative = null[order], alternative[order]
        spent = np.cumsum(null)
        inside = spent <= alpha
        power = alternative[inside].sum()
        edge = int(inside.sum())
        if edge < len(null):  # randomise on the first outcome that would overspend
            power += alternative[edge] * (alpha - (spent[edge - 1] if edge else 0.0)) / null[edge]
        powers.append(power)
    return float(np.mean(powers))


def evaluate_shape(seed: int, ramp_weeks: int) -> dict[str, object]:
    """Our detector and the naive rule (at 2x, and at the factor matching our false-alarm rate)."""
    h = synthesize(seed, ramp_weeks)
    ours = detector_alarms(h)
    ours_scores = {f"{int(m)}x": score(h, ours, m) for m in (2.0, 3.0)}
    our_fa = ours_scores["3x"]["false_alarms_per_100_cell_years"]
    naive_2 = naive_alarms(h, 2.0)
    matched_factor, matched = 2.0, naive_2
    reached = False
    for factor in np.arange(2.0, 20.01, 0.25):
        matched_factor, matched = float(factor), naive_alarms(h, float(factor))
        if score(h, matched, 3.0)["false_alarms_per_100_cell_years"] <= our_fa:
            reached = True
            break
    return {
        "seed": seed,
        "ramp_weeks": ramp_weeks,
        "found_by_ramp_end": found_by(h, ours, 3.0, ramp_weeks),
        "cells": int(h.counts.shape[0]),
        "weeks": int(h.counts.shape[1]),
        "ours": ours_scores,
        "naive_2x": {f"{int(m)}x": score(h, naive_2, m) for m in (2.0, 3.0)},
        "naive_matched_factor": matched_factor,
        "naive_matched_reached": reached,
        "naive_matched": {f"{int(m)}x": score(h, matched, m) for m in (2.0, 3.0)},
    }


def evaluate(seed: int = SEED) -> dict[str, dict[str, object]]:
    """Both rise shapes."""
    return {shape: evaluate_shape(seed, weeks) for shape, weeks in RAMP_SHAPES.items()}


def shape_lines(shape: str, result: dict[str, object]) -> list[str]:
    """One shape's table for `make eval`."""
    rows = [
        ("detector (NB rate tests 1/2/4/6 weeks + BH)", result["ours"]),
        ("naive: count >= 2 x last-4-week mean", result["naive_2x"]),
        (
            f"naive at {result['naive_matched_factor']:.2f} x "
            + (
                "(our false-alarm rate)"
                if result["naive_matched_reached"]
                else "(20x max: still more alarms)"
            ),
            result["naive_matched"],
        ),
    ]
    lines = [
        "",
        f"Early warning, {shape} (seed {result['seed']}, {result['cells']} cells x {result['weeks']} weeks, "
        "baselines 1-10 a week, negative-binomial background x exposure; 10% of cells 2x, 10% 3x)",
        f"  {'method':<52} {'3x found':>9} {'3x delay':>9} {'2x found':>9} {'2x delay':>9}"
        f" {'FA/100 cell-yr':>15}",
    ]
    for name, scores in rows:
        three, two = scores["3x"], scores["2x"]  # type: ignore[index]
        lines.append(
            f"  {name:<52} {three['detected'] * 100:>8.1f}% {three['median_delay_weeks']:>9.1f}"
            f" {two['detected'] * 100:>8.1f}% {two['median_delay_weeks']:>9.1f}"
            f" {three['false_alarms_per_100_cell_years']:>15.2f}"
        )
    ours = result["ours"]["3x"]  # type: ignore[index]
    met = (
        ours["detected"] >= 0.9
        and ours["median_delay_weeks"] <= 3
        and ours["false_alarms_per_100_cell_years"] <= 1
    )
    beat = ours["detected"] > result["naive_matched"]["3x"]["detected"]  # type: ignore[index]
    if result["ramp_weeks"] > 1:  # type: ignore[operator]
        weeks = int(result["ramp_weeks"])  # type: ignore[call-overload]
        bounds = [ramp_bound(episode) * 100 for episode in (1, 2)]
        lines.append(
            f"  3x found by the ramp's week {weeks} (delay <= {weeks}): ours"
            f" {float(result['found_by_ramp_end']) * 100:.1f}%;"  # type: ignore[arg-type]
            f" no detector can pass {bounds[0]:.0f}-{bounds[1]:.0f}% at 1 FA/100 cell-years"
            " (oracle knowing baseline, onset and shape; false alarms lasting 1-2 weeks)"
        )
    lines.append(
        "  target (>=90% of 3x within median 3 weeks at <=1 FA/100 cell-years): "
        f"{'met' if met else 'NOT met'}; "
        f"beats the naive rule at the same false-alarm rate: {'yes' if beat else 'no'}"
    )
    return lines


def report_lines(results: dict[str, dict[str, object]]) -> list[str]:
    """The evaluation section."""
    return [line for shape, result in results.items() for line in shape_lines(shape, result)]


def main() -> int:
    """Print the evaluation section: the tuning seed, then the check seed."""
    for seed in (SEED, CHECK_SEED):
        print("\n".join(report_lines(evaluate(seed))), flush=True)
    return 0
