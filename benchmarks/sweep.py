"""A 64-configuration sweep (8 learning rates × 8 seeds) of A-STDP-ET on MNIST-1D as one vmapped program,
against the same 64 configurations run one after another with one compiled epoch function.

Usage: python benchmarks/sweep.py [--n 300] [--epochs 2] [--modulator feedback]
Writes benchmarks/results/sweep-cpu.json (timings, the tidy table) and sweep-cpu.png (metric vs lr).
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

from praxis_jax.app import plotting
from praxis_jax.app.presets import task_organoid
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.config import MODULATORS, TrainConfig
from praxis_jax.learning import evaluate, sweep, train_epoch
from praxis_jax.tasks import load_mnist1d

LRS = [1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--modulator", choices=MODULATORS[1:], default="feedback")
    ap.add_argument("--out", default="benchmarks/results/sweep-cpu")
    args = ap.parse_args(argv)

    data = load_mnist1d()
    cfg = task_organoid(args.n, data.n_inputs, args.modulator)
    tc = TrainConfig(modulator=args.modulator, epochs=args.epochs)
    hypers, seeds, rows = sweep.grid(cfg, args.seeds, lr=LRS)
    s = len(rows)
    chunk = sweep.batch_size(cfg, tc, data.ticks, s)
    print(f"{s} configurations, N={cfg.network.n} D={cfg.network.degree}; chunk {chunk} "
          f"(≈{sweep.bytes_per_config(cfg, tc, data.ticks) / 2**20:.1f} MiB each, "
          f"{sweep.available_bytes() / 2**30:.1f} GiB free)")
    key = jax.random.PRNGKey(0)
    params, learners = sweep.sweep_init(cfg, hypers, seeds, data.n_classes, key)

    t0 = time.perf_counter()
    out, history = sweep.sweep_fit(params, tc, learners, data, chunk=chunk)
    jax.block_until_ready(out)
    t_sweep = time.perf_counter() - t0
    print(f"one program: {t_sweep:.1f} s for {args.epochs} epochs × {s} configurations (compile included)")

    x, y, xt, yt = (jax.numpy.asarray(a) for a in data[:4])
    epoch = jax.jit(lambda p, lr: train_epoch(p, tc, lr, x, y))
    acc = jax.jit(lambda p, lr, x, y: evaluate(p, lr, x, y))
    t0 = time.perf_counter()
    loop_acc = []
    for i in range(s):
        p, lr = jax.tree.map(lambda a: a[i], (params, learners))
        for _ in range(args.epochs):
            lr, _ = epoch(p, lr)
            acc(p, lr, x, y), acc(p, lr, xt, yt)  # the sweep evaluates after every epoch too
        loop_acc.append(float(acc(p, lr, xt, yt)))
    t_loop = time.perf_counter() - t0
    print(f"one by one: {t_loop:.1f} s (one compile, reused); sweep speed-up ×{t_loop / t_sweep:.2f}")
    gap = float(np.max(np.abs(np.asarray(loop_acc) - np.asarray(history[-1]["test_acc"]))))
    print(f"largest test-accuracy difference between the two: {gap:.4f}")

    table = sweep.tidy(rows, history)
    summary = sweep.summarize(table, "lr")
    for lr_, (m, sd) in summary.items():
        print(f"lr {lr_:8.1e}: test {100 * m:5.1f} ± {100 * sd:4.1f}%")
    fig, (ax,) = plotting.figure(1)
    plotting.sweep_curve(ax, summary, "A-STDP-ET lr", f"test accuracy after {args.epochs} epochs")
    ax.set_title(f"MNIST-1D, {args.modulator} modulator, N={cfg.network.n}, {args.seeds} seeds per lr")
    plotting.save(fig, args.out + ".png")
    write_json(args.out + ".json", {**provenance(), "config": vars(args), "configurations": s, "chunk": chunk,
                                    "sweep_seconds": t_sweep, "loop_seconds": t_loop, "speedup": t_loop / t_sweep,
                                    "max_test_acc_difference": gap, "summary": {str(k): v for k, v in summary.items()},
                                    "rows": table})
    print(f"wrote {args.out}.json and {args.out}.png")


if __name__ == "__main__":
    main()
