"""The 10⁹-neuron plan, computed from measured per-device throughput (no new measurement).

For N = 10⁹ and two degree rules (D fixed at 2,000, as the 1M-neuron runs; and the design's
D = 2·sqrt(N)), it prints: synapses, bytes (int8 W and e: 2 B/edge, plus 14 B/neuron), H100s needed (80
GB each at 90%), the per-tick all-gather of int8 activations (N bytes; each device receives (P−1)/P of
it), and the ticks/s to expect = 1 / (edges per device / measured synaptic rate + all-gather time).
Rates: the H100 results in benchmarks/results/throughput-h100-singer-2M.json (learning and inference
at the largest N measured). Link bandwidths are datasheet figures, not measured here: NVLink 4 at
450 GB/s per GPU per direction inside an 8-GPU node, InfiniBand NDR at 50 GB/s per GPU between nodes;
the all-gather is taken at the slower (inter-node) figure once P > 8.

Usage: python benchmarks/billion_plan.py [--results benchmarks/results/throughput-h100-singer-2M.json]
"""

from __future__ import annotations

import argparse
import json
import math

from praxis_jax.app.runinfo import provenance, write_json

GPU_BYTES = 80e9 * 0.9
NVLINK, IB = 450e9, 50e9


def plan(n: float, d: float, learn_rate: float, infer_rate: float) -> dict:
    edges = n * d
    total = 2 * edges + 14 * n
    p = math.ceil(total / (GPU_BYTES - n))  # each device also holds the gathered activations (N bytes)
    link = NVLINK if p <= 8 else IB
    gather = n * (p - 1) / p / link
    per_dev = edges / p
    return {"N": n, "D": d, "synapses": edges, "bytes": total, "devices": p,
            "allgather_bytes_per_device_per_tick": n * (p - 1) / p, "allgather_s": gather,
            "learning_ticks_per_s": 1 / (per_dev / learn_rate + gather),
            "inference_ticks_per_s": 1 / (per_dev / infer_rate + gather)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default="benchmarks/results/throughput-h100-singer-2M.json")
    ap.add_argument("--n", type=float, default=1e9)
    ap.add_argument("--out", default="benchmarks/results/billion-plan.json")
    args = ap.parse_args(argv)
    rows = json.load(open(args.results))["results"]
    top = max(rows, key=lambda r: r["N"])
    learn, infer = top["learning_syn_per_s"], top["inference_syn_per_s"]
    print(f"measured on {json.load(open(args.results))['device']['kind']} at N={top['N']:,}: learning "
          f"{learn / 1e9:.0f} G syn/s, inference {infer / 1e9:.0f} G syn/s per device")
    out = []
    for d in (2000, 2 * math.sqrt(args.n)):
        r = plan(args.n, d, learn, infer)
        out.append(r)
        print(f"N={r['N']:.0e} D={r['D']:,.0f}: {r['synapses']:.2e} synapses, {r['bytes'] / 1e12:,.1f} TB -> "
              f"{r['devices']:,} H100s; all-gather {r['allgather_bytes_per_device_per_tick'] / 1e9:.2f} GB "
              f"per device per tick ({1e3 * r['allgather_s']:.1f} ms); expected {r['learning_ticks_per_s']:.2f} "
              f"learning / {r['inference_ticks_per_s']:.1f} inference ticks/s")
    write_json(args.out, {**provenance(), "measured": {"file": args.results, "N": top["N"],
                                                       "learning_syn_per_s": learn, "inference_syn_per_s": infer},
                          "assumed_link_bytes_per_s": {"nvlink": NVLINK, "infiniband": IB}, "plans": out})


if __name__ == "__main__":
    main()
