"""Bytes an organoid needs (its stored state and params, exactly; the work arrays of a learning tick) and free memory.

Stored (what ``init`` allocates and a checkpoint holds): W and e ``(D, N)`` (1 byte each in int8, 4 in
float32), a ``(N,)`` (1 or 4), b, rate, var ``(N,)`` float32, U ``(K, N_in)`` float32, the index table
``(D, N)`` int32 for stored-index graphs, the scalars. A learning tick also holds float32 work arrays of
about ``2·D·N`` (the gathered pre-synaptic activations and the float eligibility) on the pure-JAX path.
``available_bytes`` (:mod:`praxis_jax.devices`) says how much the default device has free. Under neuron sharding
(:mod:`praxis_jax.sharding`) every per-neuron array is split over the devices; each device also holds the
all-gathered activations of a tick. ``largest_n`` inverts the count for a memory budget.
"""

from __future__ import annotations

import jax

from praxis_jax.config import PraxisConfig
from praxis_jax.devices import available_bytes

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
        "table": d * n * 4 if net.topology.stores_table else 0,
        "scalars": _SCALARS,
    }
    parts["total"] = sum(parts.values())
    return parts


def learning_tick_work_bytes(config: PraxisConfig) -> int:
    """Float32 work arrays of one learning tick on the pure-JAX path (gathered pre and float e)."""
    net = config.network
    return 2 * 4 * net.degree * net.n if config.plasticity.enabled else 0


def check_fits(config: PraxisConfig, who: str) -> None:
    """Refuse, before allocating, an organoid whose stored state exceeds the default device's free memory."""
    need, free = state_bytes(config)["total"], available_bytes()
    if need > free:
        net = config.network
        raise ValueError(f"{who}: an organoid of N = {net.n:,}, D = {net.degree:,} ({config.quant.numerics}) needs "
                         f"{need / 2**30:,.2f} GiB for its stored state; only {free / 2**30:,.2f} GiB is free on "
                         f"{jax.local_devices()[0].platform} (a smaller N or k, or int8)")


def bytes_per_device(config: PraxisConfig, devices: int = 1, fused: bool = False) -> dict[str, int]:
    """Bytes on each of ``devices`` when the organoid's neurons are split over them: the stored state
    divided (scalars replicated), the gathered activations of a tick (N bytes in int8, 4N in float32), and
    the learning tick's float32 work arrays divided — none when ``fused`` (the Pallas learning pass keeps
    them in registers)."""
    if not (isinstance(devices, int) and devices >= 1):
        raise ValueError(f"bytes_per_device.devices must be an int >= 1; got {devices!r}")
    parts = state_bytes(config)
    stored = parts["total"] - parts["scalars"]
    out = {
        "stored": -(-stored // devices) + parts["scalars"],
        "gathered_activations": parts["a"],
        "work": 0 if fused else -(-learning_tick_work_bytes(config) // devices),
    }
    out["total"] = sum(out.values())
    return out


def largest_n(device_bytes: int, devices: int = 1, k: float = 2.0, numerics: str = "int8",
              learning: bool = True, fused: bool = True, fraction: float = 0.9) -> int:
    """Largest N whose organoid (D = k·sqrt(N), W, e, a, b/rate/var, gathered a, work arrays when not
    ``fused``) fits in ``fraction`` of ``device_bytes`` on each of ``devices`` devices (bisection)."""
    w = 1 if numerics == "int8" else 4

    def need(n: int) -> float:
        d = k * n**0.5
        per_edge = 2 * w + (0 if fused or not learning else 8)
        return (n * d * per_edge + n * (w + 12)) / devices + n * w

    lo, hi = 1, 1
    while need(hi) <= fraction * device_bytes:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if need(mid) <= fraction * device_bytes else (lo, mid)
    return lo
