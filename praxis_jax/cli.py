"""The ``praxis`` command: ``demo`` (the README's main job), ``free-run``, ``info``."""

from __future__ import annotations

import argparse
import sys


def _info(args: argparse.Namespace) -> None:
    import jax

    from praxis_jax import native
    from praxis_jax.runinfo import provenance

    p = provenance()
    print(f"praxis_jax {p['versions']['praxis_jax']} (git {p['git_commit'] or 'unknown'})")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in p["versions"].items()))
    print(f"devices: {', '.join(f'{d.platform}:{d.device_kind}' for d in jax.devices())}; {p['device']['cpu_count']} CPU cores")
    print(f"native int8 CPU kernel: {'available' if native.available() else 'unavailable (pure JAX is used)'}")
    if args.n is not None:
        import praxis_jax as px
        from praxis_jax.memory import available_bytes, learning_tick_work_bytes, state_bytes
        from praxis_jax.topology import choose_topology

        topo = choose_topology("singer", args.n, args.k)
        cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topo), quant=px.QuantConfig(numerics=args.numerics))
        parts = state_bytes(cfg)
        work = learning_tick_work_bytes(cfg)
        print(f"memory of {topo.describe()}, {args.numerics}: "
              + ", ".join(f"{k} {v / 2**20:,.1f} MiB" for k, v in parts.items() if k != "total")
              + f"; stored total {parts['total'] / 2**30:,.3f} GiB, plus {work / 2**30:,.3f} GiB of float32 work "
              f"arrays per learning tick; {available_bytes() / 2**30:,.1f} GiB free on {jax.devices()[0].platform}")


def main(argv: list[str] | None = None) -> None:
    from praxis_jax import demo, free_run_report

    ap = argparse.ArgumentParser(prog="praxis", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help=demo.__doc__.splitlines()[0])
    demo.add_arguments(p)
    p.set_defaults(func=demo.main)
    p = sub.add_parser("free-run", help=free_run_report.__doc__.splitlines()[0])
    free_run_report.add_arguments(p)
    p.set_defaults(func=free_run_report.main)
    p = sub.add_parser("info", help="versions, devices, the native kernel, and the memory of an organoid")
    p.add_argument("--n", type=int, default=None, help="also estimate the memory of a Singer organoid of ~n neurons")
    p.add_argument("--k", type=float, default=2.0, help="degree factor for --n: D ≈ k·sqrt(N)")
    p.add_argument("--numerics", choices=("float32", "int8"), default="int8")
    p.set_defaults(func=_info)
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    args.func(args)
