"""Health statistics of a running organoid, and a chunked free run to collect them.

Used by the main job (``python -m praxis_jax``), ``benchmarks/invariants.py`` and the invariant tests.
"""

from __future__ import annotations

import time
from typing import Iterator

import jax
import jax.numpy as jnp
import numpy as np

from praxis_jax.quant.codec import Codec
from praxis_jax.simulate import simulate
from praxis_jax.state import Params, State


def moments(x) -> tuple[float, float]:
    """(skewness, excess kurtosis) of all elements of ``x``; (0, 0) for a Gaussian."""
    x = np.asarray(x, np.float64).ravel()
    z = (x - x.mean()) / x.std()
    return float(np.mean(z**3)), float(np.mean(z**4) - 3.0)


def summary(params: Params, state: State) -> dict:
    """Activity and weight statistics of ``state`` as plain floats.

    Keys: a_mean, a_std, a_absmax (over neurons), var_median, var_max (running variance),
    w_std_over_sigma (W std / σ_w), w_skew, w_excess_kurtosis, w_absmax_over_clip, clipped_fraction,
    finite (no NaN/inf in a, W, var).
    """
    cfg = params.config
    codec = Codec.from_config(cfg)
    a, W = np.asarray(codec.a(state.short.a)), np.asarray(codec.w(state.long.W))
    var = np.asarray(state.long.var)
    bound = cfg.plasticity.clip_sigma * cfg.network.weight_std
    skew, kurt = moments(W)
    return {
        "a_mean": float(a.mean()), "a_std": float(a.std()), "a_absmax": float(np.abs(a).max()),
        "var_median": float(np.median(var)), "var_max": float(var.max()),
        "w_std_over_sigma": float(W.std() / cfg.network.weight_std), "w_skew": skew, "w_excess_kurtosis": kurt,
        "w_absmax_over_clip": float(np.abs(W).max() / bound),
        "clipped_fraction": float(np.mean(np.abs(W) >= bound * 0.999)),
        "finite": bool(np.isfinite(a).all() and np.isfinite(W).all() and np.isfinite(var).all()),
    }


def free_run(params: Params, state: State, key, ticks: int, chunk: int, modulator_std: float
             ) -> Iterator[tuple[int, State, float]]:
    """Run ``ticks`` ticks without input, modulator ~ N(0, modulator_std²) each tick, in jitted chunks.

    Yields ``(ticks_done, state, seconds_for_this_chunk)`` after each chunk. The state is donated to each
    chunk (updated in place, as a long run should be): the ``state`` passed in is consumed.
    """
    if ticks < 1 or chunk < 1:
        raise ValueError(f"free_run: ticks and chunk must be >= 1; got {ticks}, {chunk}")
    run = jax.jit(simulate, donate_argnums=1)
    done = 0
    while done < ticks:
        n = min(chunk, ticks - done)
        key, k = jax.random.split(key)
        t0 = time.perf_counter()
        state, _ = run(params, state, jnp.zeros((n, params.U.shape[0])), modulator_std * jax.random.normal(k, (n,)))
        jax.block_until_ready(state)
        done += n
        yield done, state, time.perf_counter() - t0
