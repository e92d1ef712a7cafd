"""Bytes an organoid needs (its stored state and params, exactly; the work arrays of a learning tick) and free memory.

Stored (what ``init`` allocates and a checkpoint holds): W and e ``(D, N)`` (1 byte each in int8, 4 in
float32), a ``(N,)`` (1 or 4), b, rate, var ``(N,)`` float32, U ``(K, N_in)`` float32, the index table
``(D, N)`` int32 for stored-index graphs, the scalars. A learning tick also holds float32 work arrays of
about ``2·D·N`` (the gathered pre-synaptic activations and the float eligibility) on the pure-JAX path.
``available_bytes`` says how much the default device has free.
"""

from __future__ import annotations

import os

import jax

from praxis_jax.config import PraxisConfig

_SCALARS = 4 + 8 + 8 * 4  # tick, key, the eight Hyper scalars


def state_bytes(config: PraxisConfig) -> dict[str, int]:
    """Bytes of each stored component (keys W, e, a, b_rate_var, U, table, scalars) and their ``total``."""
    net = config.network
    n, d = net.n, net.degree
    w = 1 if config.quant.int8 else 4
    parts = {
        "W": d * n * w,
        "e": d * n * w,
        "a": n * w,
        "b_rate_var": 3 * n * 4,
        "U": net.n_inputs * net.n_in * 4,
        "table": d * n * 4 if net.topology.make_table() is not None else 0,
        "scalars": _SCALARS,
    }
    parts["total"] = sum(parts.values())
    return parts


def learning_tick_work_bytes(config: PraxisConfig) -> int:
    """Float32 work arrays of one learning tick on the pure-JAX path (gathered pre and float e)."""
    net = config.network
    return 2 * 4 * net.degree * net.n if config.plasticity.enabled else 0


def available_bytes() -> int:
    """Memory of the default device: the accelerator's limit, or the host's available RAM on CPU."""
    stats = jax.devices()[0].memory_stats() or {}
    if "bytes_limit" in stats:
        return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
