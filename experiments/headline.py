"""The README's headline table, generated from the records of ``recurrent_learning.py`` (nothing is re-run).

One row per (task, organoid, method, numerics) in HEADLINE: the test accuracy of the local readout (mean ±
std over seeds) and of a ridge readout refitted on the same organoid, with the record it comes from. The
test suite checks that the README holds exactly this table.

Usage: python experiments/headline.py
"""

from __future__ import annotations

import json
import os

import numpy as np

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
# record -> (task and organoid in words, [(method, numerics), ...])
HEADLINE = {
    "recurrent-mnist1d-default.json": ("MNIST-1D, default organoid (N = 993), 8 epochs", [
        ("fixed", "float32"), ("readout", "float32"), ("fixed", "int8"), ("readout", "int8"),
        ("eprop", "float32"), ("snn", "float32")]),
    "recurrent-mnist1d-tuned-std.json": ("MNIST-1D, tuned organoid, standardised readout, 8 epochs", [
        ("fixed", "float32"), ("readout", "float32"), ("fixed", "int8"), ("readout", "int8")]),
    "recurrent-fashion_mnist-default.json": ("Fashion-MNIST (60k/10k), default organoid, 3 epochs", [
        ("fixed", "float32"), ("readout", "float32"), ("fixed", "int8"), ("readout", "int8"),
        ("raw-input", "float32")]),
}
SHORT = {"fixed": "W fixed (reservoir)", "readout": "**W learned (A-STDP-ET)**", "eprop": "e-prop (Adam)",
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
            lines.append(f"| {task} | {SHORT[method]} | {numerics} | {len(runs)} | {local} | {ridge} |")
    return lines


if __name__ == "__main__":
    print("\n".join(table()))
