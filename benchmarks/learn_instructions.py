"""Instructions per 32 edges of the native int8 learning pass, counted in the compiler's assembly.

Compiles ``praxis_jax/kernels/native/learn.cc`` to assembly with the flags of the library's own
build (``-O3 -march=native -ffp-contract=off``; ``--march`` to change the target) and, in each instance
``row_avx2<kOn, Elig>`` and ``run_block<kOn, Elig, CirculantPre>`` of the single-trial pass (W updated or
not; the segmented or continuous μ-law eligibility code), finds the smallest loop that packs to int8
(``vpacksswb``): the 32-edge step of ``row_avx2``, inlined or not. It counts that loop's instructions and, among them, the vector integer multiplies
(``vpmulld``: two per hash of 8 edges), the float multiplies (``vmulps``) and the divisions (``vdivps``).
A static count: it says what the loop asks of the core, not how fast it runs
(``benchmarks/native_learning.py`` times it).

``--source`` counts another version of the file (e.g. one checked out from an earlier commit beside its
``common.h``).

Usage: python benchmarks/learn_instructions.py [--march native] [--source FILE] [--out benchmarks/results/learn-instructions-cpu.json]
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import jax

from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.kernels import native

SOURCE = Path(native.__file__).with_name("learn.cc")
# row_avx2<kOn, Elig>, where the compiler keeps it out of line, and run_block<kOn, Elig, CirculantPre>
# (before the LPS pass shared it: run_block<kOn, Elig>), which holds the step where row_avx2 is inlined
INSTANCE = re.compile(r"^_ZN12_GLOBAL__N_1(?:9run_block|8row_avx2)ILb(\d)ENS_\d+([A-Za-z]+)(?:ENS_\d+CirculantPre)?EEE"
                      r"[vl]RK\S*:$")
LABEL, BRANCH = re.compile(r"^(\.L\d+):"), re.compile(r"^\s+j\w+\s+(\.L\d+)")
INSTRUCTION = re.compile(r"^\s+([a-z][a-z0-9]*)")


def assembly(compiler: str, march: str, source: Path) -> tuple[list[str], list[str]]:
    cmd = [compiler, "-O3", f"-march={march}", "-ffp-contract=off", "-std=c++17", "-fPIC", "-w",
           f"-I{jax.ffi.include_dir()}", "-S", "-o", "-", str(source)]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines(), cmd


def functions(lines: list[str]) -> dict[tuple[bool, str], list[str]]:
    """The lines of each row_avx2 and run_block instance, keyed by (W updated, eligibility code)."""
    out, current = {}, None
    for line in lines:
        if re.match(r"^_Z\S+:$", line):
            m = INSTANCE.match(line)
            current = (m.group(1) == "1", m.group(2)) if m else None
            if current:
                out.setdefault(current, [])
        elif current:
            out[current].append(line)
    return out


def loops(lines: list[str]) -> list[list[str]]:
    """The mnemonics of every loop: from a label to a later branch back to it."""
    seen, found = {}, []
    for i, line in enumerate(lines):
        if m := LABEL.match(line):
            seen[m.group(1)] = i
        if (m := BRANCH.match(line)) and m.group(1) in seen:
            found.append([x.group(1) for x in map(INSTRUCTION.match, lines[seen[m.group(1)]:i + 1]) if x])
    return found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--march", default="native")
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--out", default="benchmarks/results/learn-instructions-cpu.json")
    args = ap.parse_args(argv)
    compiler = native._compiler()
    if compiler is None:
        raise SystemExit("learn_instructions: no C++ compiler found")
    lines, cmd = assembly(compiler, args.march, args.source)
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    rows = []
    for (on, code), body in sorted(functions(lines).items()):
        packing = [loop for loop in loops(body) if "vpacksswb" in loop]
        if not packing:
            raise SystemExit(f"learn_instructions: no int8-packing loop in run_block<{on}, {code}> (no AVX2 target?)")
        step = min(packing, key=len)
        rows.append({"eligibility": {"Segmented": "segmented", "MuLaw": "mulaw"}[code], "w_update": on,
                     "instructions_per_32_edges": len(step), "vpmulld": step.count("vpmulld"),
                     "vmulps": step.count("vmulps"), "vdivps": step.count("vdivps")})
        r = rows[-1]
        print(f"{r['eligibility']:>9}, W update {'on ' if on else 'off'}: {r['instructions_per_32_edges']} instructions "
              f"per 32 edges ({r['vpmulld']} vpmulld, {r['vmulps']} vmulps, {r['vdivps']} vdivps)")
    write_json(args.out, {**provenance(), "compiler": version, "compile_command": " ".join(cmd[:-1] + [args.source.name]),
                          "march": args.march, "results": rows})


if __name__ == "__main__":
    main()
