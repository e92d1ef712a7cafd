"""The ``praxis`` command: demo (the README's main job), run, resume, sweep, bench, info, free-run.

Exit codes: 0 done; 2 a bad config file or argument (the message names the file, section and key, or the
option, and what is allowed); 128 + signal number when SIGINT/SIGTERM stopped a run after saving its
checkpoint; 130 (Ctrl-C) or 143 (SIGTERM) when one came outside the checkpointed epochs or Ctrl-C came
twice, with a resume hint where a checkpoint exists.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from praxis_jax.app.arguments import bounded


def _plain(doc: str) -> str:
    """A module docstring's first line as help text: without its reST ``literal`` marks."""
    return doc.splitlines()[0].replace("``", "")


def _info(args: argparse.Namespace) -> None:
    import jax

    from praxis_jax.app.runinfo import provenance
    from praxis_jax.kernels import native
    from praxis_jax.memory import available_bytes, largest_n

    p = provenance()
    print(f"praxis_jax {p['versions']['praxis_jax']} (git {p['git_commit'] or 'unknown'})")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in p["versions"].items()))
    print(f"devices: {', '.join(f'{d.platform}:{d.device_kind}' for d in jax.devices())}; {p['device']['cpu_count']} CPU cores")
    print(f"native int8 CPU kernel: {'available' if native.available() else 'unavailable (pure JAX is used)'}")
    free = available_bytes()
    if args.n is not None:
        from praxis_jax.config import NetworkConfig, PraxisConfig, QuantConfig
        from praxis_jax.memory import (
            bytes_per_device,
            learning_tick_work_bytes,
            state_bytes,
        )
        from praxis_jax.topology import choose_topology

        topo = choose_topology("singer", args.n, args.k)
        cfg = PraxisConfig(network=NetworkConfig(topology=topo), quant=QuantConfig(numerics=args.numerics))
        parts = state_bytes(cfg)
        work = learning_tick_work_bytes(cfg)
        print(f"memory of {topo.describe()}, {args.numerics}: "
              + ", ".join(f"{k} {v / 2**20:,.1f} MiB" for k, v in parts.items() if k != "total")
              + f"; stored total {parts['total'] / 2**30:,.3f} GiB, plus {work / 2**30:,.3f} GiB of float32 work "
              f"arrays per learning tick; {free / 2**30:,.1f} GiB free on {jax.devices()[0].platform}")
        if args.devices > 1:
            per = bytes_per_device(cfg, args.devices)
            print(f"split over {args.devices} devices (praxis_jax.sharding): " + ", ".join(
                f"{k} {v / 2**20:,.1f} MiB" for k, v in per.items()) + " per device")
    gpu = any(d.platform == "gpu" for d in jax.devices())
    for fused in (False, True) if gpu else (False,):
        n = largest_n(free, args.devices, args.k, args.numerics, fused=fused)
        print(f"largest organoid with learning in 90% of the free {free / 2**30:,.1f} GiB x {args.devices} device(s), "
              f"{args.numerics}, D = {args.k:g}·sqrt(N), {'fused GPU kernel' if fused else 'pure-JAX work arrays'}: "
              f"N ≈ {n:,}")


def _run(args: argparse.Namespace) -> None:
    from praxis_jax.app import configfile, job

    job.run_job(configfile.load(args.config, n=args.n, epochs=args.epochs), args.out, quiet=args.quiet)


def _resume(args: argparse.Namespace) -> None:
    from pathlib import Path

    from praxis_jax.app import configfile, job

    job.run_job(configfile.load(Path(args.run_dir) / "config.toml"), args.run_dir, resume=True, quiet=args.quiet)


def _sweep(args: argparse.Namespace) -> None:
    from praxis_jax.app import configfile, job

    job.sweep_job(configfile.load(args.config), args.out, quiet=args.quiet)


def _bench(args: argparse.Namespace) -> None:
    from praxis_jax.app.bench import bench
    from praxis_jax.app.runinfo import provenance, write_json

    print(f"timing the inference and the learning tick of N ≈ {args.n:,} ({args.numerics}, {args.reps} x {args.ticks} "
          "ticks each, after compiling) and the memory bandwidth beside them ...", flush=True)
    r = bench(args.n, args.topology, args.k, args.numerics, args.ticks, args.reps)
    print(f"{r['topology']}, {args.numerics}, on {r['device']}; read bandwidth {r['read_bandwidth'] / 1e9:.1f} GB/s")
    for mode in ("inference", "learning"):
        m = r[mode]
        print(f"{mode:>9}: {m['syn_per_s'] / 1e9:8.3f} G synaptic updates/s, {1 / m['s_per_tick']:9.1f} ticks/s, "
              f"{100 * m['frac_bw']:5.1f}% of the bandwidth its {m['bytes_per_tick'] / r['N'] / r['D']:.0f} B/edge need"
              + (" (above 100%: its bytes fit in cache)" if m["in_cache"] else ""))
    if args.out:
        write_json(args.out, {**provenance(), **r})
        print(f"wrote {args.out}")


def main(argv: list[str] | None = None) -> None:
    from praxis_jax.app import demo, free_run_report
    from praxis_jax.app.configfile import ConfigFileError
    from praxis_jax.app.stopping import Stopped

    ap = argparse.ArgumentParser(prog="praxis", description=_plain(__doc__))
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help=_plain(demo.__doc__))
    demo.add_arguments(p)
    p.set_defaults(func=demo.main)
    p = sub.add_parser("run", help="train one organoid as a TOML config file says (see praxis_jax/app/configs/)")
    p.add_argument("config", help="TOML file; sections map onto the typed configs (praxis_jax/app/configfile.py)")
    p.add_argument("--out", required=True, help="run folder: config.toml, checkpoints/, summary.json, PNG")
    p.add_argument("--n", type=bounded(int, 7), default=None, help="override the file's [topology] n")
    p.add_argument("--epochs", type=bounded(int, 1), default=None, help="override the file's [train] epochs")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(func=_run)
    p = sub.add_parser("resume", help="continue a run folder from its newest good checkpoint, bit for bit")
    p.add_argument("run_dir")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(func=_resume)
    p = sub.add_parser("sweep", help="train a config's [sweep] grid (hyperparameters x seeds) as vmapped programs")
    p.add_argument("config")
    p.add_argument("--out", required=True, help="folder for config.toml, sweep.csv, sweep.json, sweep.png")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(func=_sweep)
    p = sub.add_parser("bench", help="synaptic updates/s of the inference and learning tick, against bandwidth")
    p.add_argument("--n", type=bounded(int, 7), default=65_000, help="requested neurons")
    p.add_argument("--topology", default="singer", help="singer, lps, primitive, random or stored")
    p.add_argument("--k", type=float, default=2.0, help="degree factor: D ≈ k·sqrt(N)")
    p.add_argument("--numerics", choices=("float32", "int8"), default="int8", help="float32 or int8")
    p.add_argument("--ticks", type=bounded(int, 1), default=8, help="ticks per timed call")
    p.add_argument("--reps", type=bounded(int, 1), default=3, help="timed calls (the median is reported)")
    p.add_argument("--out", default=None, help="also write the result as JSON here")
    p.set_defaults(func=_bench)
    p = sub.add_parser("free-run", help=_plain(free_run_report.__doc__))
    free_run_report.add_arguments(p)
    p.set_defaults(func=free_run_report.main)
    p = sub.add_parser("info", help="versions, devices, the native kernel, and the memory of an organoid")
    p.add_argument("--n", type=bounded(int, 7), default=None, help="also estimate the memory of a Singer organoid of ~n neurons")
    p.add_argument("--k", type=float, default=2.0, help="degree factor for --n: D ≈ k·sqrt(N)")
    p.add_argument("--numerics", choices=("float32", "int8"), default="int8", help="float32 or int8 (for --n)")
    p.add_argument("--devices", type=bounded(int, 1), default=1, help="devices the neurons are split over (for the estimates)")
    p.set_defaults(func=_info)
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    terminate, interrupt = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    if threading.current_thread() is threading.main_thread():  # a run's own handler saves first (stopping)
        signal.signal(signal.SIGTERM, _terminated)
    try:
        args.func(args)
    except (ConfigFileError, ValueError) as err:
        # the library's checks raise ValueError naming the value and what is allowed, before any long work
        print(f"praxis {args.command}: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except Stopped as stop:
        print(f"praxis {args.command}: {stop}; checkpoint saved; continue with: {_resume_hint(args)}",
              file=sys.stderr)
        raise SystemExit(stop.exit_code) from None
    except (KeyboardInterrupt, Terminated) as err:
        if argv is None and threading.current_thread() is threading.main_thread():
            # the process is ours and ends now: a second Ctrl-C must not cut the exit short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            interrupt = signal.SIG_IGN
        hint = _resume_hint(args) if _has_checkpoint(args) else None
        print(f"\npraxis {args.command}: {'terminated' if isinstance(err, Terminated) else 'interrupted'}"
              + (f"; continue from the last checkpoint with: {hint}" if hint else ""), file=sys.stderr)
        raise SystemExit(128 + signal.SIGTERM if isinstance(err, Terminated) else 130) from None
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, terminate)
            signal.signal(signal.SIGINT, interrupt)


class Terminated(Exception):
    """SIGTERM outside a run's checkpointed epochs (while loading or compiling, or after the last epoch)."""


def _terminated(signum, frame):
    raise Terminated


def _resume_hint(args: argparse.Namespace) -> str:
    if args.command == "demo":
        return f"praxis demo --resume --out {args.out}"
    return f"praxis resume {getattr(args, 'out', None) or getattr(args, 'run_dir', None)}"


def _has_checkpoint(args: argparse.Namespace) -> bool:
    """Whether the run folder of ``run``/``resume``/``demo`` holds a saved step to continue from."""
    from pathlib import Path

    if args.command not in ("run", "resume", "demo"):
        return False
    folder = Path(getattr(args, "out", None) or args.run_dir)
    return any(p.is_dir() and p.name.isdigit() for p in folder.rglob("checkpoints/*"))
