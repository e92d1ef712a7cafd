"""``praxis free-run``: a default organoid run without a task, and described.

Builds a ~10k-neuron Singer organoid in int8 numerics, runs it for a few thousand ticks with A-STDP-ET
driven by a zero-mean random modulator and homeostasis on, and prints, per chunk, activity statistics
and the weight distribution against its Gaussian start and the ±3σ_w clip.
"""

from __future__ import annotations

import argparse

import jax
import numpy as np

from praxis_jax.app.arguments import bounded
from praxis_jax.config import NUMERICS, NetworkConfig, PraxisConfig, QuantConfig
from praxis_jax.diagnostics import free_run, summary
from praxis_jax.quant.codec import Codec
from praxis_jax.state import init
from praxis_jax.topology import choose_topology, ramanujan_ratio


def _histogram(W: np.ndarray, bound: float, bins: int = 13, width: int = 40) -> str:
    counts, edges = np.histogram(W, bins=bins, range=(-bound, bound))
    rows = []
    for c, lo, hi in zip(counts, edges[:-1], edges[1:]):
        rows.append(f"    [{lo:+.3f}, {hi:+.3f})  {'#' * int(round(width * c / counts.max())):<{width}} {c}")
    return "\n".join(rows)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--n", type=bounded(int, 7), default=10_000, help="requested neurons (rounded to a Singer size)")
    ap.add_argument("--k", type=float, default=2.0, help="degree factor: D ≈ k·sqrt(N)")
    ap.add_argument("--ticks", type=bounded(int, 1), default=5_000, help="ticks to run")
    ap.add_argument("--chunk", type=bounded(int, 1), default=1_000, help="ticks per compiled call (one line each)")
    ap.add_argument("--numerics", choices=NUMERICS, default="int8", help="float32 or int8")
    ap.add_argument("--seed", type=bounded(int, 0, 2**32 - 1), default=0, help="seed of init and modulator")


def main(args: argparse.Namespace) -> None:

    topo = choose_topology("singer", args.n, args.k)
    cfg = PraxisConfig(network=NetworkConfig(topology=topo), quant=QuantConfig(numerics=args.numerics))
    print(f"organoid: {topo.describe()}, {args.numerics}; λ₂ / Ramanujan bound = {ramanujan_ratio(topo):.3f}")
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; {topo.n * topo.degree:,} synapses")
    params, state = init(cfg, jax.random.PRNGKey(args.seed))
    s = summary(params, state)
    print(f"start: W std/σ_w {s['w_std_over_sigma']:.3f}, skew {s['w_skew']:+.3f}")
    for done, state, dt in free_run(params, state, jax.random.PRNGKey(args.seed + 1), args.ticks, args.chunk, 0.1):
        s = summary(params, state)
        n = min(args.chunk, done - (done - 1) // args.chunk * args.chunk)
        print(
            f"tick {done:>6}: a mean {s['a_mean']:+.3f} std {s['a_std']:.3f} |a|max {s['a_absmax']:.3f} "
            f"var(median) {s['var_median']:.3f} | W std/σ_w {s['w_std_over_sigma']:.3f} skew {s['w_skew']:+.3f} "
            f"kurt {s['w_excess_kurtosis']:+.3f} | {n / dt:,.0f} ticks/s" + (" (incl. compile)" if done == n else "")
        )
    bound = cfg.plasticity.clip_sigma * cfg.network.weight_std
    print(f"weight distribution after {done} ticks (clip ±3σ_w = ±{bound:.3f}):")
    print(_histogram(np.asarray(Codec.from_config(cfg).w(state.long.W)), bound))

