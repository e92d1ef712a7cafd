"""The event-driven synaptic matvec alone (brainevent's CSR kernels) against praxis_jax's whole spiking tick.

Should praxis_jax take its event propagation from brainevent (an optional dependency) instead of its own
kernel? For Brette et al.'s CUBA network (``benchmarks/cuba_coba.py``: 4,000 LIF neurons, in-degree 80)
this records the spike raster of 1,000 ticks from praxis_jax, then times, per tick, in one run:

- ``praxis_jax_native_tick``: praxis_jax's native kernel for the whole tick (arrivals, synapses, LIF,
  statistics), ``spiking.network.run`` on the CPU;
- ``praxis_jax_xla_arrivals``: the scan's event path alone (``network._arrivals_event``) over the raster;
- ``brainevent_<backend>``: brainevent's event CSR product (``BinaryArray @ CSR``, ``binary_csrmv``) alone
  over the raster, the network's weights as CSR matrices by presynaptic neuron, the excitatory and the
  inhibitory part as two products (the synapses need them apart), with each backend brainevent offers on
  the CPU.

Each is a ``lax.scan`` of 1,000 ticks, compiled first, median of ``--repeats`` timed runs. If the matvec
alone costs more than praxis_jax's whole tick, brainevent cannot make the tick faster.

Usage: python benchmarks/event_matvec.py [--repeats 5] (brainevent and numba: extra ``snn-peers``)
Writes benchmarks/results/event-matvec-cpu.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.spiking import network as sn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuba_coba import build  # noqa: E402

TICKS = 1000


def timed(fn, *args, repeats: int) -> float:
    """Median seconds of ``fn(*args)`` after one compiling call."""
    jax.block_until_ready(fn(*args))
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        walls.append(time.perf_counter() - t0)
    return float(np.median(walls))


def csr_by_pre(cfg, W: np.ndarray, sign: float):
    """Edges with ``sign·W > 0`` as a CSR matrix (row = presynaptic neuron): data, indices, indptr."""
    nbr = cfg.topology.neighbor_array()  # (N, D): nbr[v, j] = u
    pre = nbr.reshape(-1)
    post = np.repeat(np.arange(cfg.n), nbr.shape[1])
    w = (sign * W.T).reshape(-1)  # W (D, N) -> by (v, j), as nbr
    keep = w > 0
    pre, post, w = pre[keep], post[keep], w[keep]
    order = np.argsort(pre, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=cfg.n))]).astype(np.int32)
    return jnp.asarray(w[order], jnp.float32), jnp.asarray(post[order], jnp.int32), jnp.asarray(indptr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "event-matvec-cpu.json"))
    args = ap.parse_args()
    cfg, params, state = build("cuba")
    run = jax.jit(lambda p, s: sn.run(cfg, p, s, TICKS, record=True))
    state, _ = run(params, state)  # past the initial transient
    _, raster = run(params, state)
    per_tick = {"praxis_jax_native_tick": timed(run, params, state, repeats=args.repeats) / TICKS}

    def scan_over_raster(matvec):
        def body(c, spikes):
            return c, matvec(spikes)
        return jax.jit(lambda r: jax.lax.scan(body, 0, r)[1])

    xla = scan_over_raster(lambda s: jnp.stack(sn._arrivals_event(cfg, params, s)))
    per_tick["praxis_jax_xla_arrivals"] = timed(xla, raster, repeats=args.repeats) / TICKS
    skipped = {}
    try:
        import brainevent
    except ImportError as err:
        skipped["brainevent"] = f"not importable ({err})"
    else:
        W = np.asarray(params.W)
        exc, inh = csr_by_pre(cfg, W, 1.0), csr_by_pre(cfg, W, -1.0)
        mats = [brainevent.CSR(m, shape=(cfg.n, cfg.n)) for m in (exc, inh)]

        def matvec(s):  # spikes (rows: presynaptic) times each matrix: (2, N) arrivals
            return jnp.stack([brainevent.BinaryArray(s) @ m for m in mats])

        for backend in brainevent.binary_csrmv_p.available_backends("cpu"):
            brainevent.binary_csrmv_p.set_default("cpu", backend)
            try:
                per_tick[f"brainevent_{backend}"] = timed(scan_over_raster(matvec), raster,
                                                          repeats=args.repeats) / TICKS
            except Exception as err:  # a backend that cannot build here is recorded, not fatal
                skipped[f"brainevent_{backend}"] = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
    native = per_tick["praxis_jax_native_tick"]
    record = {**provenance(), "config": {"network": "Brette et al. CUBA (benchmarks/cuba_coba.py)", "n": cfg.n,
                                         "degree": cfg.topology.degree, "ticks": TICKS,
                                         "spikes_per_tick": float(np.asarray(raster).sum(1).mean()),
                                         "repeats": args.repeats},
              "results": {k: {"us_per_tick": v * 1e6, "over_native_tick": v / native} for k, v in per_tick.items()},
              "skipped": skipped}
    for k, v in per_tick.items():
        print(f"{k}: {v * 1e6:.2f} µs per tick ({v / native:.2f}× praxis_jax's whole native tick)")
    for k, why in skipped.items():
        print(f"{k}: skipped ({why})")
    write_json(args.out, record)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
