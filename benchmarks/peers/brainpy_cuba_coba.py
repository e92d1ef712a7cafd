"""The CUBA and COBA benchmarks of Brette et al. (2007) in BrainPy, on a network given as explicit edges.

Reads the ``.npz`` that ``benchmarks/cuba_coba.py --export`` writes (``pre``, ``post`` int32 edge lists,
``n_exc``, initial ``v0``, ``g_e0``, ``g_i0``; no praxis_jax import here) and builds the model the way
BrainPy's own E/I examples do: one ``LifRef`` group (exact exponential step, ``exp_auto``), an excitatory
and an inhibitory ``FullProjAlignPostMg`` projection with ``EventCSRLinear`` over ``IJConn`` and ``Expon``
synapses, ``CUBA``/``COBA`` outputs, no delay. Per tick BrainPy updates the projections (decay, then the
previous tick's spikes), then the neurons with that current, as praxis_jax does.

- CUBA: ``τ_m dv/dt = (E_l − v) + g_e − g_i``, E_l −49 mV, jumps 1.62 and 9 mV.
- COBA: ``τ_m dv/dt = (E_l − v) + g_e(0 − v) + g_i(−80 − v)``, E_l −60 mV, jumps 0.6 and 6.7 (units of the leak).

Usage: python brainpy_cuba_coba.py NET.npz --model cuba --seconds 5 --out OUT.json
Times 0.1 s chunks of a jitted ``bm.for_loop`` after one compile chunk whose state is rolled back.
"""

from __future__ import annotations

import argparse
import json
import time

import brainpy as bp
import brainpy.math as bm
import jax
import numpy as np

DT, CHUNK = 0.1, 1000  # ms, ticks per timed call
MODELS = {"cuba": {"E_l": -49.0, "w_e": 1.62, "w_i": -9.0},
          "coba": {"E_l": -60.0, "w_e": 0.6, "w_i": 6.7}}


class EINet(bp.DynSysGroup):
    """One LIF group of N neurons; neurons ``[0, n_exc)`` excitatory, the rest inhibitory."""

    def __init__(self, model: str, pre: np.ndarray, post: np.ndarray, n_exc: int, v0: np.ndarray):
        super().__init__()
        m, n = MODELS[model], v0.size
        self.N = bp.dyn.LifRef(n, V_rest=m["E_l"], V_reset=-60.0, V_th=-50.0, tau=20.0, tau_ref=5.0,
                               V_initializer=bm.asarray(v0))
        exc = pre < n_exc
        outs = ((bp.dyn.CUBA.desc(), bp.dyn.CUBA.desc()) if model == "cuba"
                else (bp.dyn.COBA.desc(E=0.0), bp.dyn.COBA.desc(E=-80.0)))
        self.E = self._proj(pre[exc], post[exc], n, m["w_e"], 5.0, outs[0])
        self.I = self._proj(pre[~exc], post[~exc], n, m["w_i"], 10.0, outs[1])
        self.count = bm.Variable(bm.zeros(n, dtype=bm.int32))

    def _proj(self, i, j, n, w, tau, out):
        conn = bp.conn.IJConn(i=i, j=j)(pre_size=n, post_size=n)
        return bp.dyn.FullProjAlignPostMg(pre=self.N, delay=None, comm=bp.dnn.EventCSRLinear(conn, w),
                                          syn=bp.dyn.Expon.desc(n, tau=tau), out=out, post=self.N)

    def update(self):
        super().update()
        self.count.value += self.N.spike.value.astype(bm.int32)


def run(model: str, net_file: str, seconds: float) -> dict:
    """Build, compile (rolled back), then time ``seconds`` of biological time; rates from spike counts."""
    bm.set_dt(DT)
    d = np.load(net_file)
    n_exc = int(d["n_exc"])
    net = EINet(model, d["pre"], d["post"], n_exc, d["v0"])
    net.E.syn.g.value = bm.asarray(d["g_e0"])
    net.I.syn.g.value = bm.asarray(d["g_i0"])

    @bm.jit
    def chunk(idx):
        bm.for_loop(net.step_run, idx)

    variables = net.vars().unique()
    saved = {k: np.array(v.value) for k, v in variables.items()}
    t0 = time.perf_counter()
    chunk(bm.arange(CHUNK))
    jax.block_until_ready(net.N.V.value)
    compile_s = time.perf_counter() - t0
    for k, v in variables.items():
        v.value = bm.asarray(saved[k])
    walls = []
    for c in range(round(seconds * 1000 / (CHUNK * DT))):
        t0 = time.perf_counter()
        chunk(bm.arange(c * CHUNK, (c + 1) * CHUNK))
        jax.block_until_ready(net.N.V.value)
        walls.append(time.perf_counter() - t0)
    bio = len(walls) * CHUNK * DT / 1000
    rate = np.asarray(net.count.value) / bio
    return {"bio_seconds": bio, "wall_s": float(np.sum(walls)), "wall_chunk_median_s": float(np.median(walls)),
            "compile_s": compile_s, "x_realtime": bio / float(np.sum(walls)), "rate_hz": float(rate.mean()),
            "rate_exc_hz": float(rate[:n_exc].mean()), "rate_inh_hz": float(rate[n_exc:].mean()),
            "integration": "LifRef exp_auto (exact step, current held), Expon exp_auto", "version": bp.__version__}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("net")
    ap.add_argument("--model", choices=list(MODELS), required=True)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.out, "w") as f:
        json.dump(run(args.model, args.net, args.seconds), f, indent=1)


if __name__ == "__main__":
    main()
