"""The README's headline tables, generated from the records (nothing is re-run).

``table``: one row per (task, organoid, method, numerics) in HEADLINE that the recurrent-learning study's
records hold: the test accuracy of the local readout (mean ± std over seeds) and of a ridge readout
refitted on the same organoid. int8 runs that learned W under the earlier rounding contract (no
``"rounding"`` field: one hash per rounding) say so in the numerics column. ``throughput``: the int8 Singer tick against the memory bandwidth measured in the same
run (``benchmarks/throughput.py``), and the CUBA/COBA networks against BrainPy and Brian2
(``benchmarks/cuba_coba.py``). The test suite checks that the README holds exactly these tables.

Usage: python experiments/headline.py
"""

from __future__ import annotations

import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "experiments", "recurrent_learning", "results")
BENCHMARKS = os.path.join(ROOT, "benchmarks", "results")
# throughput record -> where it ran, in words (the largest Singer organoid of each is shown)
THROUGHPUT = {"throughput-cpu.json": "2-core CPU", "throughput-h100-singer-2M.json": "NVIDIA H100"}
# record -> (task and organoid in words, [(method, numerics), ...])
HEADLINE = {
    "recurrent-mnist1d-default.json": ("MNIST-1D, default organoid (N = 993), 8 epochs", [
        ("fixed", "float32"), ("readout", "float32"), ("fixed", "int8"), ("readout", "int8"), ("readout", "int8-mulaw"),
        ("inputs-own", "float32"), ("inputs-own", "int8"), ("eprop", "float32"), ("bptt", "float32"),
        ("snn", "float32")]),
    "recurrent-mnist1d-tuned-std.json": ("MNIST-1D, tuned organoid, standardised readout, 8 epochs", [
        ("fixed", "float32"), ("readout", "float32"), ("fixed", "int8"), ("readout", "int8"), ("readout", "int8-mulaw"),
        ("inputs-own", "float32")]),
    "recurrent-mnist1d-tuned-std-40ep.json": ("MNIST-1D, tuned organoid, standardised readout, 40 epochs", [
        ("fixed", "float32"), ("readout", "float32"), ("fixed", "int8"), ("readout", "int8")]),
    "recurrent-fashion_mnist-default.json": ("Fashion-MNIST (60k/10k), default organoid, 3 epochs", [
        ("fixed", "float32"), ("readout", "float32"), ("fixed", "int8"), ("readout", "int8"), ("readout", "int8-mulaw"),
        ("raw-input", "float32")]),
    "recurrent-fashion_mnist-default-10ep.json": ("Fashion-MNIST (60k/10k), default organoid, 10 epochs", [
        ("fixed", "float32"), ("readout", "float32"), ("fixed", "int8"), ("readout", "int8"), ("raw-input", "float32")]),
}
SHORT = {"fixed": "W fixed (reservoir)", "readout": "**W learned (A-STDP-ET)**",
         "inputs-own": "**W, U and b learned (A-STDP-ET)**", "eprop": "e-prop (Adam)",
         "bptt": "BPTT (Adam)",
         "snn": "surrogate-gradient SNN", "raw-input": "delta rule on the raw input"}


def _ms(values) -> str:
    v = 100 * np.asarray(values)
    return f"{v.mean():.1f} ± {v.std():.1f}%"


def table(results: str = RESULTS) -> list[str]:
    lines = ["| task | method | numerics | seeds | local readout (test) | ridge refitted (test) |",
             "|---|---|---|---|---|---|"]
    for name, (task, rows) in HEADLINE.items():
        with open(os.path.join(results, name)) as f:
            final = json.load(f)["final"]
        for method, numerics in rows:
            runs = list(final.get(method, {}).get(numerics, {}).values())
            if not runs:
                continue
            local = _ms([r.get("local_readout", r.get("readout")) for r in runs])
            ridge = _ms([r["ridge_readout"] for r in runs]) if "ridge_readout" in runs[0] else "—"
            if numerics.startswith("int8") and method != "fixed" and "rounding" not in runs[0]:
                numerics += ", earlier rounding"
            lines.append(f"| {task} | {SHORT[method]} | {numerics} | {len(runs)} | {local} | {ridge} |")
    return lines


def _load(name: str) -> dict:
    with open(os.path.join(BENCHMARKS, name)) as f:
        return json.load(f)


def throughput() -> list[str]:
    lines = ["| what | where | measured | against |", "|---|---|---|---|"]
    for name, where in THROUGHPUT.items():
        row = max((r for r in _load(name)["results"] if r["kind"] == "singer"), key=lambda r: r["N"])
        lines.append(f"| int8 Singer tick, N = {row['N']:,}, D = {row['D']:,} | {where} | inference "
                     f"{row['inference_syn_per_s'] / 1e9:,.0f} G syn/s, learning "
                     f"{row['learning_syn_per_s'] / 1e9:,.1f} G syn/s | {100 * row['inference_frac_read_bw']:.0f}% / "
                     f"{100 * row['learning_frac_bw']:.0f}% of "
                     "the memory bandwidth measured in the same run |")
    cuba = _load("cuba-cpu.json")["results"]
    for model, r in cuba.items():
        peers = ", ".join(f"{k.replace('_', ' ')} ×{v['speed_vs_praxis_jax']:.2f}" for k, v in r["peers"].items()
                          if v.get("ran"))
        lines.append(f"| {model.upper()} network, 4,000 LIF neurons | 2-core CPU | "
                     f"×{r['praxis_jax']['x_realtime']:.2f} real time | peers' speed relative to praxis_jax: {peers} |")
    return lines


if __name__ == "__main__":
    print("\n".join(table()))
    print()
    print("\n".join(throughput()))
