"""Print the docs' throughput table (docs/throughput.md) (markdown) from benchmarks/results/throughput-cpu.json."""

import json
import sys


def main(path="benchmarks/results/throughput-cpu.json"):
    r = json.load(open(path))
    bw = r["measured_read_bandwidth_bytes_per_s"]
    f = lambda x: "—" if x is None else f"×{x:.2f}"  # noqa: E731
    bw1 = r.get("read_bandwidth_one_core_bytes_per_s")
    one = f" (one core alone: {bw1 / 1e9:.1f} GB/s)" if bw1 else ""
    print(f"Measured read bandwidth {bw / 1e9:.1f} GB/s{one} ({r['device']['kind']}, {r['device']['cpu_count']} cores); "
          f"int8; D ≈ 2·sqrt(N); `{r['command']}`.\n")
    print("| graph | N | D | inference G syn/s | % read bw | learning G syn/s | % of bw (4 B/edge) "
          "| vs numpy | vs dense | vs BCOO | vs segment_sum |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in r["results"]:
        print(f"| {row['kind']} | {row['N']} | {row['D']} | {row['inference_syn_per_s'] / 1e9:.2f} "
              f"| {100 * row['inference_frac_read_bw']:.1f}% | {row['learning_syn_per_s'] / 1e9:.3f} "
              f"| {100 * row['learning_frac_bw']:.1f}% | {f(row.get('speedup_vs_numpy'))} "
              f"| {f(row.get('speedup_vs_dense_matmul'))} | {f(row.get('speedup_vs_bcoo'))} "
              f"| {f(row.get('speedup_vs_segment_sum'))} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
