"""Where the int8 organoid loses information on time-series prediction: one source of error at a time.

The int8 organoid's one-step error is several times the float32 organoid's (``reservoirs.py``). Each row
here changes one thing in the tick of the same organoid (the reservoir of ``reservoirs.py``: a Singer graph
of N = 133, a ridge readout, λ = 1e-6) and reports the test NRMSE (mean ± std over seeds 0 .. S−1):

- ``float32``: the float32 organoid (the reference);
- ``int8``: the int8 organoid as it is (int8 W, int8 activations at 2/127, the readout reads the stored codes);
- ``int8 W, float activations``: int8 weights, activations kept in float32 (W's quantization alone);
- ``float32 + one rounding of noise``: the float32 organoid with uniform noise of ±1/2 of the int8 step
  (1/127) added to every activation every tick, as independent noise;
- ``int8, readout before rounding``: the int8 dynamics, the readout reading a = 2·tanh(v/2) before it is
  rounded for storage (no extra storage: the readout consumes it in the tick);
- ``int8, dithered storage``: activations stored by stochastic rounding (hash uniforms), readout before rounding;
- ``int8, error feedback``: first-order noise-shaping rounding (each neuron's rounding residual is added
  before the next rounding), readout before rounding;
- ``int8, activation scale 1/127``: activations stored at half the step, saturating at ±1;
- ``int8, per-neuron scale``: each neuron's activation stored as an int8 code at its own step
  ``s_j = (2/127)·clip(2·sqrt(⟨a_j²⟩), 1/32, 1)``, ⟨a_j²⟩ a running mean (rate 0.01, from 0.25: the
  full range) kept beside it (one float per neuron, like b), so that ±127 codes span about ±4 of the
  neuron's own standard deviations; the recurrent input and the readout read the decoded ``code·s_j``.
  The int8 kernels could not run it as it is: each presynaptic activation carries its own scale.

The settings are each task's picks from the 36-point grids of ``reservoirs.py`` (the int8 and the float32
pick; both are run). Nothing is tuned here.

Usage: python -m experiments.forecasting.int8_loss [--seeds 5]
Writes experiments/forecasting/results/int8-loss.json and prints the table.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax import kernels
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.dynamics import external_input, potential, sat_tanh
from praxis_jax.learning.forecast import forecast_nrmse
from praxis_jax.quant.codec import A_SCALE, Codec, hash_uniform_at, to_int8
from praxis_jax.state import inference
from praxis_jax.tasks.timeseries import load_series
from praxis_jax.topology import choose_topology

from .reservoirs import TASKS

HERE = os.path.dirname(os.path.abspath(__file__))
GRIDS = {"Mackey-Glass, 1 step": "mg1", "Mackey-Glass, 10 steps": "mg10", "NARMA-10": "narma",
         "Santa Fe laser, 1 step": "laser"}
VARIANTS = ("float32", "int8", "int8 W, float activations", "float32 + one rounding of noise",
            "int8, readout before rounding", "int8, dithered storage", "int8, error feedback",
            "int8, activation scale 1/127", "int8, per-neuron scale")
PER_NEURON_RATE = 0.01  # the running mean square of the per-neuron scale
STREAM_DITHER = 7  # hash stream of the dither and the added noise


def picks(task: str) -> dict:
    """The float32 and int8 picks of the 36-point grid record of ``task``."""
    with open(os.path.join(HERE, "results", f"timeseries-{GRIDS[task]}-grid36.json")) as f:
        rows = __import__("json").load(f)["results"][task]
    return {numerics: rows[f"PRAXIS organoid, {numerics}"]["hyper"] for numerics in ("float32", "int8")}


def states(variant: str, u: np.ndarray, seed: int, leak: float, gain: float, input_gain: float) -> np.ndarray:
    """The features ``(T, N)`` the readout reads, for one variant of the tick."""
    n = choose_topology("singer", 130, k=2).n
    net = px.NetworkConfig(topology=choose_topology("singer", n, k=2), n_inputs=u.shape[1], leak=leak, gain=gain,
                           input_gain=input_gain)
    numerics = "float32" if variant.startswith("float32") else "int8"
    cfg = px.PraxisConfig(network=net, quant=px.QuantConfig(numerics=numerics))
    params, state = px.init(cfg, jax.random.PRNGKey(seed))
    params, long, codec = inference(params), state.long, Codec.from_config(cfg)
    f32 = Codec.from_config(px.PraxisConfig(network=net, quant=px.QuantConfig(numerics="float32")))
    long_f = long._replace(W=codec.w(long.W))  # W as float (the int8 codes times their scale for int8)
    ids = jnp.arange(n, dtype=jnp.uint32)

    def uniform(t):
        return hash_uniform_at(jnp.uint32(seed), t.astype(jnp.uint32), ids, STREAM_DITHER)

    def tick(carry, x):
        a_prev, res, t = carry  # stored activations, rounding residual (error feedback), tick
        if variant in ("float32", "int8 W, float activations", "float32 + one rounding of noise"):
            a = sat_tanh(potential(f32, params, long_f, a_prev, x, 0.0))
            if variant == "float32 + one rounding of noise":
                a = a + (uniform(t) - 0.5) * A_SCALE
            return (a, res, t + 1), a
        if variant == "int8, activation scale 1/127":
            scale = A_SCALE / 2
            r = kernels.propagate(net.topology, long.W, a_prev, params.table, jnp.int32).astype(jnp.float32)
            v = (params.hyper.leak * a_prev.astype(jnp.float32) * scale + r * (codec.w_scale * scale)
                 + external_input(params.U, x, n) + long.b)
            a = sat_tanh(v)
            return (to_int8(jnp.round(a / scale)), res, t + 1), a
        if variant == "int8, per-neuron scale":  # res: the running mean square ⟨a²⟩
            a = sat_tanh(potential(f32, params, long_f, a_prev, x, 0.0))
            res = res + PER_NEURON_RATE * (a * a - res)
            scale = A_SCALE * jnp.clip(2.0 * jnp.sqrt(res), 1.0 / 32, 1.0)
            decoded = to_int8(jnp.round(a / scale)).astype(jnp.float32) * scale
            return (decoded, res, t + 1), decoded
        a = sat_tanh(potential(codec, params, long, a_prev, x, 0.0))
        if variant == "int8, dithered storage":
            q = jnp.floor(a / A_SCALE + uniform(t))
        elif variant == "int8, error feedback":
            q = jnp.round(a / A_SCALE + res)
        else:
            q = jnp.round(a / A_SCALE)
        stored = to_int8(q)
        feature = codec.a(stored) if variant == "int8" else a
        return (stored, a / A_SCALE + res - stored.astype(jnp.float32), t + 1), feature

    floats = ("int8 W, float activations", "float32 + one rounding of noise", "int8, per-neuron scale")
    a0 = codec.a(state.short.a) if numerics == "float32" or variant in floats else state.short.a
    if variant in floats:
        a0 = a0.astype(jnp.float32)
    res0 = jnp.full(n, 0.25 if variant == "int8, per-neuron scale" else 0.0, jnp.float32)
    carry = (a0, res0, jnp.int32(0))
    return np.asarray(jax.lax.scan(tick, carry, jnp.asarray(u))[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--tasks", nargs="+", choices=list(GRIDS), default=list(GRIDS))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "int8-loss.json"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    results = {}
    for task in args.tasks:
        name, horizon = TASKS[task]
        series = load_series(name, horizon=horizon)
        results[task] = {}
        for pick, hyper in picks(task).items():
            rows = {}
            for variant in VARIANTS:
                errs = [forecast_nrmse(states(variant, series.u, s, **hyper), series) for s in range(args.seeds)]
                rows[variant] = {"nrmse": errs, "mean": float(np.mean(errs)), "std": float(np.std(errs))}
                print(f"{task:24s} {pick} pick {hyper}  {variant:34s} {np.mean(errs):.2e} ± {np.std(errs):.1e}",
                      flush=True)
            results[task][f"the {pick} pick"] = {"hyper": hyper, "rows": rows}
    lines = ["| variant | " + " | ".join(f"{t} ({p})" for t in results for p in ("float32 pick", "int8 pick")) + " |",
             "|---" * (1 + 2 * len(results)) + "|"]
    for variant in VARIANTS:
        cells = [f"{results[t][p]['rows'][variant]['mean']:.2e}" for t in results for p in results[t]]
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    record = {**provenance(), "config": {"seeds": args.seeds, "n": 133, "ridge_lambda": 1e-6,
                                         "variants": list(VARIANTS), "wall_s": time.perf_counter() - t0},
              "results": results, "table": "\n".join(lines)}
    write_json(args.out, record)
    print("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
