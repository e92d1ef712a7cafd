"""The README's main job (for now): a small default organoid, run and described.

Builds a ~10k-neuron Singer organoid in int8 numerics, runs it for a few thousand ticks with A-STDP-ET
driven by a zero-mean random modulator and homeostasis on, and prints, per chunk, activity statistics
and the weight distribution against its Gaussian start and the ±3σ_w clip.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax.topology import choose_topology, ramanujan_ratio


def _moments(x: np.ndarray) -> tuple[float, float]:
    z = (x - x.mean()) / x.std()
    return float(np.mean(z**3)), float(np.mean(z**4) - 3.0)


def _histogram(W: np.ndarray, bound: float, bins: int = 13, width: int = 40) -> str:
    counts, edges = np.histogram(W, bins=bins, range=(-bound, bound))
    rows = []
    for c, lo, hi in zip(counts, edges[:-1], edges[1:]):
        rows.append(f"    [{lo:+.3f}, {hi:+.3f})  {'#' * int(round(width * c / counts.max())):<{width}} {c}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m praxis_jax", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="requested neurons (rounded to a Singer size)")
    ap.add_argument("--k", type=float, default=2.0, help="degree factor: D ≈ k·sqrt(N)")
    ap.add_argument("--ticks", type=int, default=5_000)
    ap.add_argument("--chunk", type=int, default=1_000)
    ap.add_argument("--numerics", choices=px.config.NUMERICS, default="int8")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.ticks < 1 or args.chunk < 1:
        ap.error(f"--ticks and --chunk must be >= 1; got {args.ticks}, {args.chunk}")

    topo = choose_topology("singer", args.n, args.k)
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topo), quant=px.QuantConfig(numerics=args.numerics))
    print(f"organoid: {topo.describe()}, {args.numerics}; λ₂ / Ramanujan bound = {ramanujan_ratio(topo):.3f}")
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; {topo.n * topo.degree:,} synapses")
    params, state = px.init(cfg, jax.random.PRNGKey(args.seed))
    codec = px.Codec.from_config(cfg)
    bound = cfg.plasticity.clip_sigma * cfg.network.weight_std
    run = jax.jit(px.simulate)
    key = jax.random.PRNGKey(args.seed + 1)
    W0 = np.asarray(codec.w(state.long.W))
    print(f"start: W std/σ_w {W0.std() / cfg.network.weight_std:.3f}, skew {_moments(W0)[0]:+.3f}")
    done = 0
    while done < args.ticks:
        n = min(args.chunk, args.ticks - done)
        key, k = jax.random.split(key)
        t0 = time.perf_counter()
        state, _ = run(params, state, jnp.zeros((n, 0)), 0.1 * jax.random.normal(k, (n,)))
        jax.block_until_ready(state)
        dt = time.perf_counter() - t0
        done += n
        a, W = np.asarray(codec.a(state.short.a)), np.asarray(codec.w(state.long.W))
        skew, kurt = _moments(W)
        print(
            f"tick {done:>6}: a mean {a.mean():+.3f} std {a.std():.3f} |a|max {np.abs(a).max():.3f} "
            f"var(median) {np.median(np.asarray(state.long.var)):.3f} | W std/σ_w {W.std() / cfg.network.weight_std:.3f} "
            f"skew {skew:+.3f} kurt {kurt:+.3f} | {n / dt:,.0f} ticks/s" + (" (incl. compile)" if done == n else "")
        )
    print(f"weight distribution after {done} ticks (clip ±3σ_w = ±{bound:.3f}):")
    print(_histogram(W, bound))


if __name__ == "__main__":
    main()
