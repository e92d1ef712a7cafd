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
    sub.add_parser("info", help="versions, devices and whether the native kernel builds").set_defaults(func=_info)
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    args.func(args)
