"""Tables rendered from JSON records that store no markdown table of their own (nothing is re-run): the
records of ``benchmarks/results/`` and the firing-statistics study's.

Each function of TABLES returns the markdown rows of one table; ``experiments/records.py`` writes them
into the ``<!-- table: NAME -->`` blocks of the docs pages and study READMEs and checks them in the test suite.

Usage: python benchmarks/tables.py NAME     (prints one table)
"""

from __future__ import annotations

import json
import os
import sys

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def _load(name: str) -> dict:
    with open(os.path.join(RESULTS, name)) as f:
        return json.load(f)


def _x(v, digits: int = 2) -> str:
    return "—" if v is None else f"×{v:.{digits}f}"


def throughput_cpu() -> list[str]:
    """The CPU tick against the read bandwidth and the sparse baselines (``benchmarks/throughput.py``)."""
    r = _load("throughput-cpu.json")
    bw, bw1 = r["measured_read_bandwidth_bytes_per_s"], r.get("read_bandwidth_one_core_bytes_per_s")
    one = f" (one core alone: {bw1 / 1e9:.1f} GB/s)" if bw1 else ""
    lines = [f"Measured read bandwidth {bw / 1e9:.1f} GB/s{one} ({r['device']['kind']}, {r['device']['cpu_count']} "
             f"cores); int8; D ≈ 2·sqrt(N); `{r['command']}`.", "",
             "| graph | N | D | inference G syn/s | % read bw | learning G syn/s | % of bw (4 B/edge) | vs numpy "
             "| vs dense | vs BCOO | vs segment_sum |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["results"]:
        lines.append(f"| {row['kind']} | {row['N']} | {row['D']} | {row['inference_syn_per_s'] / 1e9:.2f} "
                     f"| {100 * row['inference_frac_read_bw']:.1f}% | {row['learning_syn_per_s'] / 1e9:.3f} "
                     f"| {100 * row['learning_frac_bw']:.1f}% | {_x(row.get('speedup_vs_numpy'))} "
                     f"| {_x(row.get('speedup_vs_dense_matmul'))} | {_x(row.get('speedup_vs_bcoo'))} "
                     f"| {_x(row.get('speedup_vs_segment_sum'))} |")
    return lines


def throughput_gpu() -> list[str]:
    """The largest organoids of the H100 records: Singer (Pallas kernels) and the XLA-gather graphs."""
    rows = {}
    for name in ("throughput-h100.json", "throughput-h100-singer-2M.json", "throughput-h100-1M-gather.json"):
        for row in _load(name)["results"]:
            rows[(row["kind"], row["N"])] = row
    lines = ["| graph | N | D | inference G syn/s | % read bw | learning G syn/s | % of bw (4 B/edge) "
             "| vs numpy (host) |",
             "|---|---|---|---|---|---|---|---|"]
    for (kind, n), row in sorted(rows.items(), key=lambda kv: (kv[0][0] != "singer", kv[0][0], kv[0][1])):
        if n < 250_000:
            continue
        how = "Pallas" if kind == "singer" else "XLA gather"
        lines.append(f"| {kind} ({how}) | {n:,} | {row['D']} | {row['inference_syn_per_s'] / 1e9:.0f} "
                     f"| {100 * row['inference_frac_read_bw']:.1f}% | {row['learning_syn_per_s'] / 1e9:.0f} "
                     f"| {100 * row['learning_frac_bw']:.1f}% | {_x(row.get('speedup_vs_numpy'), 0)} |")
    return lines


def spectra() -> list[str]:
    """λ of each construction against the Ramanujan bound (``benchmarks/spectra.py``)."""
    lines = ["| construction | N | D | λ | λ / 2·sqrt(D−1) | diameter |", "|---|---|---|---|---|---|"]
    for r in _load("spectra.json")["results"]:
        lines.append(f"| {r['graph']} | {r['N']} | {r['D']} | {r['lambda']:.2f} | {r['ratio']:.3f} | {r['diameter']} |")
    return lines


PEERS = {"brainpy": "BrainPy {version} (numba kernels)", "brian2_numpy": "Brian2 {version}, numpy target",
         "brian2_cython": "Brian2, cython", "brian2_cpp_standalone": "Brian2, cpp_standalone"}


def cuba_coba() -> list[str]:
    """The Brette et al. networks in praxis_jax, BrainPy and Brian2 (``benchmarks/cuba_coba.py``)."""
    res = _load("cuba-cpu.json")["results"]
    cuba, coba = res["cuba"], res["coba"]
    rates = lambda r: f"{r['rate_exc_hz']:.2f} / {r['rate_inh_hz']:.2f}"  # noqa: E731
    lines = ["| simulator | CUBA rate E / I (Hz) | speed | COBA rate E / I (Hz) | speed |", "|---|---|---|---|---|",
             f"| praxis_jax ({cuba['praxis_jax']['x_realtime']:.2f}× and {coba['praxis_jax']['x_realtime']:.2f}× "
             f"real time) | {rates(cuba['praxis_jax'])} | 1 | {rates(coba['praxis_jax'])} | 1 |"]
    if "praxis_jax_xla_scan" in cuba:
        a, b = cuba["praxis_jax_xla_scan"], coba["praxis_jax_xla_scan"]
        lines.append(f"| praxis_jax, the XLA scan of the same tick | {rates(a)} | "
                     f"{1 / cuba['native_speedup_vs_xla_scan']:.3f} | {rates(b)} | "
                     f"{1 / coba['native_speedup_vs_xla_scan']:.3f} |")
    for key, label in PEERS.items():
        a, b = cuba["peers"].get(key, {}), coba["peers"].get(key, {})
        if a.get("ran") and b.get("ran"):
            lines.append(f"| {label.format(version=a.get('version', '?'))} | {rates(a)} | "
                         f"{a['speed_vs_praxis_jax']:.2f} | {rates(b)} | {b['speed_vs_praxis_jax']:.2f} |")
    return lines


def event_matvec() -> list[str]:
    """brainevent's event CSR product alone against praxis_jax's whole tick (``benchmarks/event_matvec.py``)."""
    rec = _load("event-matvec-cpu.json")
    lines = ["| per tick of the CUBA network | µs | × praxis_jax's whole native tick |", "|---|---|---|"]
    label = {"praxis_jax_native_tick": "praxis_jax, the whole tick (native kernel)",
             "praxis_jax_xla_arrivals": "praxis_jax, the scan's event arrivals alone (XLA)"}
    for k, r in rec["results"].items():
        name = label.get(k, f"brainevent, event CSR product alone ({k.removeprefix('brainevent_')} backend)")
        lines.append(f"| {name} | {r['us_per_tick']:.1f} | {r['over_native_tick']:.2f} |")
    for k, why in rec["skipped"].items():
        lines.append(f"| {k.replace('_', ' ')} | skipped ({why.split(':')[0]}) | — |")
    return lines


def lps_propagate() -> list[str]:
    """int8 LPS propagation: the native kernel against XLA (``benchmarks/lps_propagate.py``)."""
    rows = _load("lps-propagate-cpu.json")["results"]
    lines = ["| graph | native (G syn/s) | XLA, computed | XLA, stored-index table | native / stored-index |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['topology']} | {r['native_syn_per_s'] / 1e9:.2f} ({100 * r['native_frac_bw']:.1f}% of "
                     f"the read bandwidth) | {r['xla_computed_syn_per_s'] / 1e9:.3f} | "
                     f"{r['xla_stored_index_syn_per_s'] / 1e9:.2f} | ×{r['native_over_stored_index']:.2f} |")
    return lines


def native_learning() -> list[str]:
    """The int8 learning pass on the CPU: XLA, the native kernel, the whole tick (``benchmarks/native_learning.py``)."""
    rows = _load("native-learning-cpu.json")["results"]
    cols = ("xla", "native", "native_e_only", "tick", "tick_update_every_8")
    lines = ["| N | D | eligibility code | XLA pass | native pass | native, no W update | whole learning tick | "
             "tick, W update every 8th tick |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r[f'{c}_syn_per_s'] / 1e9:.2f} G syn/s ({100 * r[f'{c}_frac_bw']:.1f}%)" for c in cols]
        code = {"mulaw": "μ-law", "segmented": "segmented"}[r["eligibility"]]
        lines.append(f"| {r['N']:,} | {r['D']} | {code} | " + " | ".join(cells) + " |")
    return lines


def learn_instructions() -> list[str]:
    """Instructions per 32 edges of the native learning pass (``benchmarks/learn_instructions.py``)."""
    r = _load("learn-instructions-cpu.json")
    lines = [f"{r['compiler']}, `-march={r['march']}`; `{r['command']}`.", "",
             "| eligibility code | W update | instructions per 32 edges | vpmulld | vmulps | vdivps |",
             "|---|---|---|---|---|---|"]
    for row in r["results"]:
        code = {"mulaw": "μ-law", "segmented": "segmented"}[row["eligibility"]]
        lines.append(f"| {code} | {'on' if row['w_update'] else 'off'} | {row['instructions_per_32_edges']} | "
                     f"{row['vpmulld']} | {row['vmulps']} | {row['vdivps']} |")
    return lines


def trainer_epoch() -> list[str]:
    """An int8 training epoch of the recurrent-learning trainer, kernels on and off (``benchmarks/trainer_epoch.py``)."""
    r = _load("trainer-epoch-cpu.json")
    lines = ["| trainer arm | seconds per epoch (median) | test accuracy after the last epoch |", "|---|---|---|"]
    names = {"kernels": "native propagation, one fused learning pass over the batch",
             "xla": "XLA: pure-JAX propagation, unfused phases (`PRAXIS_JAX_NATIVE=0`)"}
    for arm, name in names.items():
        accs = ", ".join(f"{100 * a:.1f}%" for a in r["test_acc"][arm])
        lines.append(f"| {name} | {r['seconds_per_epoch'][arm]:.1f} | {accs} |")
    lines += ["", f"Ratio ×{r['speedup']:.1f} ({r['pairs']} alternating pairs of processes, epochs 2–{r['epochs']} "
              f"of each; `{r['command']}`)."]
    return lines


def event_driven() -> list[str]:
    """Dense over event-driven propagation time against the spiking fraction (``benchmarks/event_driven.py``)."""
    res = _load("event-driven-cpu.json")["results"]
    fractions = [r["fraction"] for r in res[0]["rows"]]
    lines = ["| N | " + " | ".join(f"f = {f:g}" for f in fractions) + " |", "|---" * (len(fractions) + 1) + "|"]
    for block in res:
        lines.append(f"| {block['N']:,} | " + " | ".join(f"×{r['dense_over_event']:.3g}" for r in block["rows"]) + " |")
    return lines


def billion_plan() -> list[str]:
    """Devices and ticks/s for 10⁹ neurons from the measured H100 rates (``benchmarks/billion_plan.py``)."""
    rec = _load("billion-plan.json")
    lines = ["| degree | synapses | int8 W + e | H100s (80 GB) | all-gather per tick | learning ticks/s "
             "| inference ticks/s |",
             "|---|---|---|---|---|---|---|"]
    for p in rec["plans"]:
        lines.append(f"| D = {round(p['D']):,} | {p['synapses']:.1e} | {p['bytes'] / 1e12:.1f} TB | {p['devices']:,} | "
                     f"{p['allgather_bytes_per_device_per_tick'] / 1e9:.2f} GB per GPU, "
                     f"{1e3 * p['allgather_s']:.1f} ms | "
                     f"{p['learning_ticks_per_s']:.1f} | {p['inference_ticks_per_s']:.1f} |")
    return lines


def invariants() -> list[str]:
    """Long-run statistics of the learning organoid (``benchmarks/invariants.py``)."""
    lines = ["| lr | numerics | running var (median / max) | a std | W std / σ_w | W skew | W excess kurtosis "
             "| at clip |",
             "|---|---|---|---|---|---|---|---|"]
    for r in _load("invariants-cpu.json")["results"]:
        lines.append(f"| {r['lr']:g} | {r['numerics']} | {r['var_median']:.2f} / {r['var_max']:.2f} | {r['a_std']:.2f} "
                     f"| {r['w_std_over_sigma']:.3f} | {r['w_skew']:.3f} | {r['w_excess_kurtosis']:+.2f} "
                     f"| {100 * r['clipped_fraction']:.2g}% |")
    return lines


def reference_divergence() -> list[str]:
    """How far the float32 tick drifts from the numpy float64 reference (``benchmarks/reference_divergence.py``)."""
    rec = _load("reference-divergence-cpu.json")
    lines = ["| gain | lr | " + " | ".join(f"max abs(Δa) after {t} ticks" for t in rec["ticks"]) + " |",
             "|---|---|" + "---|" * len(rec["ticks"])]
    for r in rec["results"]:
        lines.append(f"| {r['gain']} | {r['lr']} | " + " | ".join(f"{r[f'max_abs_diff_{t}']:.1e}" for t in rec["ticks"])
                     + " |")
    return lines


def firing_statistics() -> list[str]:
    """Rates, ISI irregularity and speed of the LIF networks (``experiments/firing_statistics/run.py``) and of
    Brette et al.'s CUBA/COBA networks (``benchmarks/cuba_coba.py``)."""
    with open(os.path.join(os.path.dirname(RESULTS), "..", "experiments", "firing_statistics", "results",
                           "firing_statistics.json")) as f:
        dale = json.load(f)["results"]
    lines = ["| network | rate | CV of ISIs | × real time |", "|---|---|---|---|"]
    for r in dale:
        lo, hi = r["band_hz"]
        lines.append(f"| {r['n']:,} LIF, Dale, in-degree {r['degree']}, Poisson drive, {r['bio_seconds']:g} s "
                     f"| {r['rate_hz']:.1f} Hz ({100 * r['frac_in_band']:.1f}% of neurons in {lo:g}–{hi:g} Hz) "
                     f"| {r['cv_mean']:.2f} | {r['x_realtime']:.3g}{_scan(r.get('x_realtime_xla_scan'))} |")
    for model, r in _load("cuba-cpu.json")["results"].items():
        px = r["praxis_jax"]
        lines.append(f"| Brette et al. {model.upper()}, 4,000 neurons, {px['bio_seconds']:g} s "
                     f"| {px['rate_hz']:.2f} Hz "
                     f"(a float64 numpy loop of the same model, first {r['numpy_loop']['bio_seconds']:g} s: rate "
                     f"×{r['rate_ratio_vs_numpy']:.3f}, speed ×{r['speedup_vs_numpy']:.2f}) | {px['cv_mean']:.2f} "
                     f"| {px['x_realtime']:.2f}{_scan(r.get('praxis_jax_xla_scan', {}).get('x_realtime'))} |")
    return lines


def _scan(x_realtime) -> str:
    return "" if x_realtime is None else f" (XLA scan {x_realtime:.3g})"


TABLES = {"throughput-cpu": throughput_cpu, "throughput-gpu": throughput_gpu, "spectra": spectra,
          "cuba-coba": cuba_coba, "event-matvec": event_matvec, "lps-propagate": lps_propagate,
          "native-learning": native_learning, "trainer-epoch": trainer_epoch,
          "learn-instructions": learn_instructions, "event-driven": event_driven,
          "billion-plan": billion_plan,
          "invariants": invariants, "reference-divergence": reference_divergence,
          "firing-statistics": firing_statistics}


if __name__ == "__main__":
    print("\n".join(TABLES[sys.argv[1]]()))
