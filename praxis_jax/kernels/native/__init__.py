"""Native CPU kernels, registered as XLA FFI custom calls and compiled on first use.

XLA:CPU runs int8 elementwise work far below memory bandwidth (``benchmarks/xla_int8_primitives.py``
measures it), so the int8 organoid has three C++ kernels: the circulant propagation
(``circulant_propagate.cc``), the fused A-STDP-ET learning pass (``learn.cc``, over a circulant or
the LPS graph) and the homeostatic rescale of incoming weights (``rescale_columns.cc``), and the
propagation over the LPS graph with its neighbours computed in the kernel (``lps_propagate.cc``; both
LPS kernels share ``lps_graph.h``); and a spiking network's tick costs
more in per-operation overhead than in arithmetic, so it has one kernel that runs many ticks
(``spiking_run.cc``). The organoid's kernels use AVX2 where the CPU has it, scalar
otherwise (the two forms give the same results bit for bit; tested), sharing the in-kernel hash of
``common.h``. They are compiled once per machine with the system C++ compiler against the installed
jaxlib's FFI headers into one library in ``$PRAXIS_JAX_CACHE`` (default ``~/.cache/praxis_jax``), keyed
by the sources, the jaxlib version, the CPU flags and the target, written atomically (temp file, then
rename). The target is this CPU (``-march=native``) unless ``PRAXIS_JAX_NATIVE_ARCH`` names another
``-march`` (``x86-64``: the scalar forms; or the oldest CPU of a cluster).

``PRAXIS_JAX_NATIVE=0`` disables them; without a compiler they are unavailable (one warning says why)
and the pure-JAX path runs instead. The propagation gives identical int32 results; the learning pass
gives the same codes up to float rounding at a stochastic-rounding boundary (both tested).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import jaxlib
import numpy as np

from praxis_jax.quant.codec import SEG_SPAN

_SOURCES = tuple(Path(__file__).with_name(f) for f in ("circulant_propagate.cc", "learn.cc",
                                                      "rescale_columns.cc", "spiking_run.cc", "lps_propagate.cc"))
_HEADERS = tuple(Path(__file__).with_name(f) for f in ("common.h", "lps_graph.h"))
TARGETS = {"praxis_circulant_propagate": "PraxisCirculantPropagate", "praxis_circulant_learn": "PraxisCirculantLearn",
           "praxis_circulant_learn_batch": "PraxisCirculantLearnBatch",
           "praxis_rescale_columns": "PraxisRescaleColumns", "praxis_spiking_run": "PraxisSpikingRun",
           "praxis_lps_propagate": "PraxisLpsPropagate", "praxis_lps_learn": "PraxisLpsLearn",
           "praxis_lps_learn_batch": "PraxisLpsLearnBatch"}


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


def _arch() -> str:
    return os.environ.get("PRAXIS_JAX_NATIVE_ARCH", "native")


def library_path() -> Path:
    """Where this machine's build of the kernel lives (it may not exist yet)."""
    sources = b"".join(src.read_bytes() for src in _SOURCES + _HEADERS)
    key = hashlib.sha256(sources + jaxlib.__version__.encode() + _cpu_flags().encode()
                         + _arch().encode()).hexdigest()[:16]
    root = Path(os.environ.get("PRAXIS_JAX_CACHE", Path.home() / ".cache" / "praxis_jax"))
    return root / f"libpraxis_native-{key}.so"


def _build(out: Path, cxx: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=out.parent)
    os.close(fd)
    # no FMA contraction: the learning kernel's vector and scalar forms must round alike
    cmd = [cxx, "-O3", f"-march={_arch()}", "-ffp-contract=off", "-std=c++17", "-shared", "-fPIC", "-w",
           f"-I{jax.ffi.include_dir()}", *map(str, _SOURCES), "-o", tmp, "-lpthread"]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        os.replace(tmp, out)  # atomic: a concurrent or killed build never leaves a half-written library
    except subprocess.CalledProcessError as err:
        os.unlink(tmp)
        raise RuntimeError(f"compiling the native kernels failed: {' '.join(cmd)}\n{err.stderr[-2000:]}") from err


@functools.cache
def available() -> bool:
    """Compile (once) and register the kernels; False, with one warning, if that is not possible."""
    if os.environ.get("PRAXIS_JAX_NATIVE", "1") == "0":
        return False
    cxx = _compiler()
    if cxx is None:
        warnings.warn("praxis_jax: no C++ compiler found; using the slower pure-JAX int8 propagation", stacklevel=2)
        return False
    path = library_path()
    try:
        if not path.exists():
            print(f"praxis_jax: compiling the native CPU kernels into {path} (once per machine, a few seconds)",
                  file=sys.stderr, flush=True)
            _build(path, cxx)
        lib = ctypes.cdll.LoadLibrary(str(path))
        for target, symbol in TARGETS.items():
            jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(getattr(lib, symbol)), platform="cpu")
    except (OSError, RuntimeError) as err:
        warnings.warn(f"praxis_jax: native kernel unavailable ({err}); using pure JAX", stacklevel=2)
        return False
    return True


def circulant_propagate(W: jax.Array, a: jax.Array, offsets: tuple[int, ...], modulus: int | None = None
                        ) -> jax.Array:
    """``r[v] = Σ_j W[j, v]·a[(v + offsets[j]) mod N]``: int8 ``(D, N)``, int8 ``(N,)`` -> int32 ``(N,)``.

    ``a`` may be longer than N (zero-padded to whole lanes, :mod:`praxis_jax.simulate`): its entries past
    N are not read and ``r`` has ``a``'s length, zero past N. With ``modulus`` = N larger than W's L
    columns, r ``(L,)`` is the sum for neurons 0 .. L − 1 only (one block of a neuron-sharded run, ``a``
    rotated so that the block starts at 0). CPU only; call :func:`available` first.
    Under vmap the kernel runs once per batch element, in a loop (``benchmarks/native_vmap.py`` times that
    loop against XLA's slices vectorised over the batch).
    """
    n = W.shape[1] if modulus is None else modulus
    out = a.shape if n == W.shape[1] else (W.shape[1],)
    call = jax.ffi.ffi_call("praxis_circulant_propagate", jax.ShapeDtypeStruct(out, jnp.int32),
                            vmap_method="sequential")
    return call(W, a, jnp.asarray(offsets, jnp.int32), modulus=np.int64(n))


def lps_propagate(W: jax.Array, a: jax.Array, generators, inverses) -> jax.Array:
    """``r[v] = Σ_j W[j, v]·a[neighbors(v)[j]]`` over the LPS graph on PSL(2, q) (neighbours computed in the
    kernel from the ``(D, 4)`` generator matrices and the ``(q,)`` inverses mod q, ``LPS.generators()`` and
    ``LPS.inverses()``): int8 W ``(D, N)``, int8 a ``(M,)``, M ≥ N (zero-padded past N, not read) -> int32
    ``(M,)``, zero past N. CPU only; call :func:`available` first."""
    call = jax.ffi.ffi_call("praxis_lps_propagate", jax.ShapeDtypeStruct(a.shape, jnp.int32),
                            vmap_method="sequential")
    return call(W, a, jnp.asarray(generators, jnp.int32), jnp.asarray(inverses, jnp.int32))


def circulant_learn(W: jax.Array, e: jax.Array, a_prev: jax.Array, post: jax.Array, m: jax.Array, decay, lr,
                    weight_decay, on, seed: jax.Array, offsets: tuple[int, ...], codec, clip: float,
                    first: jax.Array | int = 0, modulus: int | None = None):
    """One fused int8 A-STDP-ET pass over a circulant's edges; returns the new stored ``(W, e)``.

    The equations of :func:`praxis_jax.kernels.pallas.circulant.learn` (same arguments): W, e int8 ``(D, N)``
    (updated in place when donated), a_prev int8 ``(N,)`` (the presynaptic factor), post float32 ``(N,)``
    (the rule's postsynaptic factor: a, f'(v), 1 or η/σ), m ``()`` or of post's length (a_prev, post and m
    may be longer than N, padded; entries past N are not read), on a scalar bool
    (whether the weight update runs), seed uint32. With ``modulus`` = N larger than W's L columns, the
    pass covers neurons 0 .. L − 1 of a rotated a_prev: one block of a neuron-sharded run, whose first
    neuron has the global index ``first`` (int32 scalar, the column the rounding hash counts from). CPU
    only; call :func:`available` first. Batched under vmap by a sequential loop.
    """
    hyper, post, m = _factors(decay, lr, weight_decay, on, post, m)
    call = jax.ffi.ffi_call("praxis_circulant_learn", (jax.ShapeDtypeStruct(W.shape, W.dtype),
                                                       jax.ShapeDtypeStruct(e.shape, e.dtype)),
                            input_output_aliases={0: 0, 1: 1}, vmap_method="sequential")
    return call(W, e, a_prev, post, m, hyper, jnp.reshape(seed, (1,)).astype(jnp.uint32),
                jnp.asarray(offsets, jnp.int32), jnp.reshape(jnp.asarray(first, jnp.int32), (1,)),
                modulus=np.int64(W.shape[1] if modulus is None else modulus), **_code_attrs(codec, clip))


def lps_learn(W: jax.Array, e: jax.Array, a_prev: jax.Array, post: jax.Array, m: jax.Array, decay, lr, weight_decay,
              on, seed: jax.Array, generators, inverses, codec, clip: float, first: jax.Array | int = 0,
              modulus: int | None = None):
    """One fused int8 A-STDP-ET pass over the LPS graph on PSL(2, q); returns the new stored ``(W, e)``.

    The equations and arguments of :func:`circulant_learn` with the presynaptic factor of edge j of neuron
    v ``a_prev[neighbors(v)[j]]``, the neighbours computed in the kernel as in :func:`lps_propagate` (from
    ``LPS.generators()`` and ``LPS.inverses()``). With ``modulus`` = N, W's L columns are the neurons
    ``first`` .. ``first`` + L − 1 (one block of a neuron-sharded run; a_prev is not rotated, and neurons
    at or past N, the padding, get the presynaptic factor 0). CPU only; call :func:`available` first.
    Batched under vmap by a sequential loop.
    """
    hyper, post, m = _factors(decay, lr, weight_decay, on, post, m)
    call = jax.ffi.ffi_call("praxis_lps_learn", (jax.ShapeDtypeStruct(W.shape, W.dtype),
                                                 jax.ShapeDtypeStruct(e.shape, e.dtype)),
                            input_output_aliases={0: 0, 1: 1}, vmap_method="sequential")
    return call(W, e, a_prev, post, m, hyper, jnp.reshape(seed, (1,)).astype(jnp.uint32),
                jnp.asarray(generators, jnp.int32), jnp.asarray(inverses, jnp.int32),
                jnp.reshape(jnp.asarray(first, jnp.int32), (1,)),
                modulus=np.int64(W.shape[1] if modulus is None else modulus), **_code_attrs(codec, clip))


def lps_learn_batch(W: jax.Array, e: jax.Array, a_prev: jax.Array, post: jax.Array, m: jax.Array, decay, lr,
                    weight_decay, on, seeds: jax.Array, shared_seed: jax.Array, generators, inverses, codec,
                    clip: float):
    """:func:`circulant_learn_batch` on the LPS graph on PSL(2, q): B trials in lockstep against one shared
    W, the presynaptic factors gathered through the neighbours computed in the kernel (once per generator
    for all B trials). CPU only; call :func:`available` first."""
    hyper, post, m = _factors(decay, lr, weight_decay, on, post, m)
    call = jax.ffi.ffi_call("praxis_lps_learn_batch", (jax.ShapeDtypeStruct(W.shape, W.dtype),
                                                       jax.ShapeDtypeStruct(e.shape, e.dtype)),
                            input_output_aliases={0: 0, 1: 1}, vmap_method="sequential")
    return call(W, e, a_prev, post, m, hyper, seeds.astype(jnp.uint32), jnp.reshape(shared_seed, (1,)).astype(jnp.uint32),
                jnp.asarray(generators, jnp.int32), jnp.asarray(inverses, jnp.int32), **_code_attrs(codec, clip))


def _factors(decay, lr, weight_decay, on, post, m) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The kernels' float32 inputs: ``hyper = [decay, lr, weight_decay, on]``, post, and m broadcast to
    post's shape."""
    post = post.astype(jnp.float32)
    hyper = jnp.stack([jnp.asarray(x, jnp.float32) for x in (decay, lr, weight_decay, on)])
    return hyper, post, jnp.broadcast_to(jnp.asarray(m, jnp.float32), post.shape)


def _code_attrs(codec, clip: float) -> dict:
    f32 = np.float32
    return dict(w_scale=f32(codec.w_scale), clip=f32(clip), mu=f32(codec.mu), elig_max=f32(codec.elig_max),
                segmented=np.int32(codec.elig_code == "segmented"), e_unit=f32(codec.elig_max / SEG_SPAN))


def circulant_learn_batch(W: jax.Array, e: jax.Array, a_prev: jax.Array, post: jax.Array, m: jax.Array, decay, lr,
                          weight_decay, on, seeds: jax.Array, shared_seed: jax.Array, offsets: tuple[int, ...],
                          codec, clip: float):
    """One fused int8 A-STDP-ET pass for B trials in lockstep against one shared W; returns ``(W, e)``.

    The equations of :func:`circulant_learn` for each trial's e ``(B, D, N)`` (its factors a_prev int8,
    post and m float32 ``(B, M)``, M ≥ N, its rounding seed ``seeds[b]``), and on update ticks one update
    of the shared W ``(D, N)`` by the batch mean ``lr·(1/B)·Σ_b m_b·e_f,b``, rounded from ``shared_seed``:
    :func:`praxis_jax.simulate.step` with an ``axis_name``. CPU only; call :func:`available` first.
    """
    hyper, post, m = _factors(decay, lr, weight_decay, on, post, m)
    call = jax.ffi.ffi_call("praxis_circulant_learn_batch", (jax.ShapeDtypeStruct(W.shape, W.dtype),
                                                             jax.ShapeDtypeStruct(e.shape, e.dtype)),
                            input_output_aliases={0: 0, 1: 1}, vmap_method="sequential")
    return call(W, e, a_prev, post, m, hyper, seeds.astype(jnp.uint32), jnp.reshape(shared_seed, (1,)).astype(jnp.uint32),
                jnp.asarray(offsets, jnp.int32), **_code_attrs(codec, clip))


def rescale_columns(W: jax.Array, s: jax.Array, seed: jax.Array, w_scale: float) -> jax.Array:
    """Homeostatic rescale of int8 W ``(D, N)`` by ``s`` ``(N,)``: the codes of
    ``codec.store_w(codec.w(W) * s, hash_uniform(seed, W.shape, STREAM_H))`` (:mod:`praxis_jax.homeostasis`)
    in one in-place pass. CPU only; call :func:`available` first. Batched under vmap by a sequential loop."""
    call = jax.ffi.ffi_call("praxis_rescale_columns", jax.ShapeDtypeStruct(W.shape, W.dtype),
                            input_output_aliases={0: 0}, vmap_method="sequential")
    return call(W, s.astype(jnp.float32), jnp.reshape(seed, (1,)).astype(jnp.uint32), w_scale=np.float32(w_scale))


def spiking_run(state: tuple, t: jax.Array, W: jax.Array, out_edges: jax.Array, i_ext: jax.Array, F: jax.Array,
                consts: jax.Array, seed: jax.Array, n_ref: int, coba: bool, T: int, record: bool):
    """``T`` ticks of a recurrent LIF network (:func:`praxis_jax.spiking.network.step`) in one call.

    ``state`` is ``(v, refractory, g_e, g_i, buf, count, last, isi_n, isi_sum, isi_sq)``: ``(N,)`` arrays
    (float32, int32, float32, float32), the ``(delay, N)`` bool spike ring buffer and the five ``(N,)``
    statistics (int32 ×3, float32 ×2), updated in place when donated; ``t`` the int32 tick of the first
    tick; W ``(D, N)`` float32; ``out_edges`` ``(N + 1, width)`` int32; ``i_ext`` ``(N,)``; ``F`` the
    ``(32,)`` Poisson CDF; ``consts`` the float32 constants of ``spiking_run.cc``'s ``Consts``; ``seed``
    uint32. Returns ``(state, pop, raster)``: pop ``(T,)`` int32 spikes per tick, raster ``(T, N)`` bool
    (``(0,)`` unless ``record``). CPU only; call :func:`available` first. Batched under vmap by a loop.
    """
    n = state[0].shape[0]
    outs = tuple(jax.ShapeDtypeStruct(x.shape, x.dtype) for x in state) + (
        jax.ShapeDtypeStruct((T,), jnp.int32), jax.ShapeDtypeStruct((T, n) if record else (0,), jnp.bool_))
    call = jax.ffi.ffi_call("praxis_spiking_run", outs, input_output_aliases={i: i for i in range(len(state))},
                            vmap_method="sequential")
    *new, pop, raster = call(*state, jnp.reshape(t, (1,)).astype(jnp.int32), W, out_edges, i_ext, F, consts,
                             jnp.reshape(seed, (1,)).astype(jnp.uint32), n_ref=np.int32(n_ref),
                             coba=np.int32(coba))
    return tuple(new), pop, raster
