"""Native CPU kernels, registered as XLA FFI custom calls and compiled on first use.

XLA:CPU runs int8 elementwise work at ~2 G elements/s here (``benchmarks/xla_int8_primitives.py``),
far below memory bandwidth, so the int8 circulant propagation has a C++ kernel
(``circulant_propagate.cc``). It is compiled once per machine with the system C++ compiler against the
installed jaxlib's FFI headers into ``$PRAXIS_JAX_CACHE`` (default ``~/.cache/praxis_jax``), keyed by
the source, the jaxlib version and the CPU flags, written atomically (temp file, then rename).

``PRAXIS_JAX_NATIVE=0`` disables it; without a compiler it is unavailable (one warning says why) and the
pure-JAX path runs instead. Both paths give identical int32 results (tested).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import jaxlib

_SOURCE = Path(__file__).with_name("circulant_propagate.cc")
TARGET = "praxis_circulant_propagate"


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    return ""


def _compiler() -> str | None:
    return os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")


def library_path() -> Path:
    """Where this machine's build of the kernel lives (it may not exist yet)."""
    key = hashlib.sha256(_SOURCE.read_bytes() + jaxlib.__version__.encode() + _cpu_flags().encode()).hexdigest()[:16]
    root = Path(os.environ.get("PRAXIS_JAX_CACHE", Path.home() / ".cache" / "praxis_jax"))
    return root / f"libpraxis_native-{key}.so"


def _build(out: Path, cxx: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=out.parent)
    os.close(fd)
    cmd = [cxx, "-O3", "-march=native", "-std=c++17", "-shared", "-fPIC", "-w",
           f"-I{jax.ffi.include_dir()}", str(_SOURCE), "-o", tmp, "-lpthread"]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        os.replace(tmp, out)  # atomic: a concurrent or killed build never leaves a half-written library
    except subprocess.CalledProcessError as err:
        os.unlink(tmp)
        raise RuntimeError(f"compiling {_SOURCE.name} failed: {' '.join(cmd)}\n{err.stderr[-2000:]}") from err


@functools.cache
def available() -> bool:
    """Compile (once) and register the kernel; False, with one warning, if that is not possible."""
    if os.environ.get("PRAXIS_JAX_NATIVE", "1") == "0":
        return False
    cxx = _compiler()
    if cxx is None:
        warnings.warn("praxis_jax: no C++ compiler found; using the slower pure-JAX int8 propagation", stacklevel=2)
        return False
    path = library_path()
    try:
        if not path.exists():
            _build(path, cxx)
        lib = ctypes.cdll.LoadLibrary(str(path))
        jax.ffi.register_ffi_target(TARGET, jax.ffi.pycapsule(lib.PraxisCirculantPropagate), platform="cpu")
    except (OSError, RuntimeError) as err:
        warnings.warn(f"praxis_jax: native kernel unavailable ({err}); using pure JAX", stacklevel=2)
        return False
    return True


def circulant_propagate(W: jax.Array, a: jax.Array, offsets: tuple[int, ...]) -> jax.Array:
    """``r[v] = Σ_j W[j, v]·a[(v + offsets[j]) mod N]``: int8 ``(D, N)``, int8 ``(N,)`` -> int32 ``(N,)``.

    CPU only; call :func:`available` first. Batched under vmap by a sequential loop.
    """
    call = jax.ffi.ffi_call(TARGET, jax.ShapeDtypeStruct(a.shape, jnp.int32), vmap_method="sequential")
    return call(W, a, jnp.asarray(offsets, jnp.int32))
