"""The CUBA and COBA benchmarks of Brette et al. (2007) in Brian2, on a network given as explicit edges.

Reads the ``.npz`` that ``benchmarks/cuba_coba.py`` writes (``pre``, ``post`` int32 edge lists, ``n_exc``,
initial ``v0``, ``g_e0``, ``g_i0``) and runs Brian2's own formulation (``examples/CUBA.py``; COBA as in the
benchmark's Brian script): one NeuronGroup, ``(unless refractory)``, refractory 5 ms, threshold ``v > V_th``,
``Synapses(...).connect(i=pre, j=post)``, no delay. Pure Brian2 + numpy (no praxis_jax import), so it can run
in an environment with the numpy Brian2 needs (2.9.0 does not import with numpy 2.4).

- CUBA: ``dv/dt = (g_e − g_i − (v − E_l))/τ_m``, E_l −49 mV, jumps 1.62 and 9 mV, method ``exact``.
- COBA: ``dv/dt = (g_e(0 − v) + g_i(−80 mV − v) − (v − E_l))/τ_m``, E_l −60 mV, jumps 0.6 and 6.7 (units of the
  leak), method ``euler`` (as in the benchmark scripts; ``--method`` picks another).

Brian2's schedule per step is: integrate (v with the conductances of the step's start), threshold, deliver
spikes (``g += w``), reset; so a spike reaches v one step later, as in praxis_jax.

Usage: python brian2_cuba_coba.py NET.npz --model cuba --target cython --seconds 5 --out OUT.json
``--target`` is a code-generation target (``numpy``, ``cython``) or ``cpp_standalone``. The runtime targets
time ``run`` after a short warm-up run that is rolled back (``store``/``restore``); standalone reports the
binary's own run time and the build (code generation + C++ compile) time separately.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import brian2 as b2
import numpy as np
from brian2 import ms, mV

MODELS = {
    "cuba": {"eqs": "dv/dt = (ge - gi - (v - El)) / taum : volt (unless refractory)\n"
                    "dge/dt = -ge / taue : volt\ndgi/dt = -gi / taui : volt",
             "El": -49 * mV, "we": 1.62 * mV, "wi": 9 * mV, "unit": mV, "method": "exact"},
    "coba": {"eqs": "dv/dt = (ge * (Ee - v) + gi * (Ei - v) - (v - El)) / taum : volt (unless refractory)\n"
                    "dge/dt = -ge / taue : 1\ndgi/dt = -gi / taui : 1",
             "El": -60 * mV, "we": 0.6, "wi": 6.7, "unit": 1, "method": "euler"},
}


def run(model: str, net_file: str, seconds: float, target: str, method: str | None) -> dict:
    """Build the network from ``net_file`` and time ``seconds`` of biological time on ``target``."""
    m = MODELS[model]
    method = method or m["method"]
    standalone = target == "cpp_standalone"
    if standalone:
        b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="brian2_cuba_"), build_on_run=False)
    else:
        b2.prefs.codegen.target = target
    b2.defaultclock.dt = 0.1 * ms
    d = np.load(net_file)
    n_exc, n = int(d["n_exc"]), d["v0"].size
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "El": m["El"], "Ee": 0 * mV, "Ei": -80 * mV,
          "we": m["we"], "wi": m["wi"]}
    G = b2.NeuronGroup(n, m["eqs"], threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms,
                       method=method, namespace=ns)
    G.v = d["v0"] * mV
    G.ge = d["g_e0"] * m["unit"]
    G.gi = d["g_i0"] * m["unit"]
    exc = d["pre"] < n_exc
    Se = b2.Synapses(G, G, on_pre="ge += we", namespace=ns)
    Se.connect(i=d["pre"][exc], j=d["post"][exc])
    Si = b2.Synapses(G, G, on_pre="gi += wi", namespace=ns)
    Si.connect(i=d["pre"][~exc], j=d["post"][~exc])
    spikes = b2.SpikeMonitor(G, record=False)
    net = b2.Network(G, Se, Si, spikes)
    out = {"target": target, "method": method, "version": b2.__version__}
    if standalone:
        net.run(seconds * b2.second)
        t0 = time.perf_counter()
        b2.device.build(run=True)
        total = time.perf_counter() - t0
        wall = float(b2.device._last_run_time)
        out.update(build_s=total - wall)
    else:
        net.store()
        t0 = time.perf_counter()
        net.run(10 * ms)  # code generation and compilation (cython), rolled back
        out.update(compile_s=time.perf_counter() - t0)
        net.restore()
        t0 = time.perf_counter()
        net.run(seconds * b2.second)
        wall = time.perf_counter() - t0
    rate = np.asarray(spikes.count) / seconds
    return {**out, "bio_seconds": seconds, "wall_s": wall, "x_realtime": seconds / wall,
            "rate_hz": float(rate.mean()), "rate_exc_hz": float(rate[:n_exc].mean()),
            "rate_inh_hz": float(rate[n_exc:].mean())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("net")
    ap.add_argument("--model", choices=list(MODELS), required=True)
    ap.add_argument("--target", choices=["numpy", "cython", "cpp_standalone"], default="cython")
    ap.add_argument("--method", default=None, help="Brian2 integration method (default: exact / euler)")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.out, "w") as f:
        json.dump(run(args.model, args.net, args.seconds, args.target, args.method), f, indent=1)


if __name__ == "__main__":
    main()
