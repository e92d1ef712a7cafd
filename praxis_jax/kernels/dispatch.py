"""Backend dispatch of the organoid's three heavy operators.

Each operator has an XLA form that runs everywhere (the reference the kernels are tested against) and,
for the int8 circulant case, kernels that read and write the ``(D, N)`` arrays once: Pallas on GPUs
(``cuda``) and native C++ on the CPU (when it is built, :func:`praxis_jax.kernels.native.available`). The
choice is made by ``jax.lax.platform_dependent`` inside the compiled program, so one traced function runs
on either backend. Neuron-sharded runs (:func:`praxis_jax.topology.base.neuron_mesh`) run the native
circulant kernels on each device's block of neurons (``jax.shard_map``: the block's W and e, all N
activations rotated so that the block starts at 0, the rounding hash counted from the block's first
neuron), so a sharded run equals the single-device run bit for bit, and on GPUs the Pallas kernels on the
same blocks; the LPS graph's learning pass runs its native kernel on each block too (its neighbours are
global, so a_prev is not rotated); for the other operators they take the XLA form.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.kernels import native
from praxis_jax.kernels.pallas import circulant as pallas_circulant
from praxis_jax.quant.codec import Codec
from praxis_jax.topology.base import NEURONS, Topology, neuron_mesh, pad_tail
from praxis_jax.topology.circulant import Circulant
from praxis_jax.topology.lps import LPS


def kernels() -> str:
    """The int8 kernels a program traced now takes on the default backend: ``"pallas"`` (GPU), ``"native"``
    (CPU, when built) or ``"xla"``. A fused learning kernel and the XLA form give the same codes up to
    float rounding at a stochastic-rounding boundary, so an int8 run's trajectory depends on which ran."""
    backend = jax.default_backend()
    if backend == "gpu":
        return "pallas"
    return "native" if backend == "cpu" and native.available() else "xla"


def on_backend(args: tuple, xla: Callable, cuda: Callable | None = None, cpu: Callable | None = None,
               cuda_sharded: Callable | None = None, cpu_sharded: Callable | None = None):
    """``xla(*args)``, or the ``cuda`` / ``cpu`` kernel on its backend (``cpu`` only when the native
    kernels are built); in neuron-sharded runs ``cuda_sharded`` / ``cpu_sharded`` (the kernel per device's
    block) instead; the XLA form on other backends and where a kernel is missing."""
    sharded = neuron_mesh() is not None
    cuda, cpu = (cuda_sharded, cpu_sharded) if sharded else (cuda, cpu)
    branches = {"cuda": cuda} if cuda is not None else {}
    if cpu is not None and native.available():
        branches["cpu"] = cpu
    if not branches:
        return xla(*args)
    return jax.lax.platform_dependent(*args, default=xla, **branches)


def propagate(topology: Topology, W: Array, a: Array, table: Array | None = None, dtype=jnp.float32) -> Array:
    """``r_j = Σ_i W_ij a_i`` ``(M,)`` from stored W ``(D, N)`` and a ``(M,)``, M ≥ N (zero past N), as
    :meth:`Topology.propagate`. The int8 → int32 circulant case runs the kernels, and so does the LPS graph
    on PSL(2, q) on the CPU (neighbours computed in the kernel, whether or not a table is stored)."""
    def xla(W, a):
        return topology.propagate(W, a, table, dtype)

    int8 = dtype == jnp.int32 and W.dtype == jnp.int8 and a.dtype == jnp.int8
    if int8 and isinstance(topology, LPS) and topology.psl:  # neighbours computed in the native kernel
        gens, inv = topology.generators(), topology.inverses()
        return on_backend((W, a), xla, cpu=lambda W, a: native.lps_propagate(W, a, gens, inv))
    if not (int8 and isinstance(topology, Circulant)):
        return xla(W, a)
    n, offsets, lanes = topology.n, topology.offsets, a.shape[0]

    def blocks(kernel):
        def run(W, a):
            def block(W, a, start, length):
                return kernel(W, jnp.roll(a, -start))

            return pad_tail(topology.per_device(block, (W,), a[:n], jax.sharding.PartitionSpec(NEURONS)), lanes)

        return run

    return on_backend((W, a), xla,
                      cuda=lambda W, a: pad_tail(pallas_circulant.propagate(W, a[:n], offsets), lanes),
                      cpu=lambda W, a: native.circulant_propagate(W, a, offsets),  # padded a as it is
                      cuda_sharded=blocks(lambda W, a: pallas_circulant.propagate(W, a, offsets)),
                      cpu_sharded=blocks(lambda W, a: native.circulant_propagate(W, a, offsets, modulus=n)))


def fused_graph(codec: Codec, topology: Topology) -> tuple | None:
    """The arrays a fused learning kernel takes for ``topology`` (a circulant's offsets, or the LPS graph's
    generators and inverses on PSL(2, q)), or None where no fused kernel applies (float32, the Weyl dither of
    W, other graphs)."""
    if not codec.int8 or codec.w_dither != "hash":
        return None
    if isinstance(topology, LPS) and topology.psl:
        return topology.generators(), topology.inverses()
    return (topology.offsets,) if isinstance(topology, Circulant) else None


def learn(xla: Callable[[Array, Array], tuple[Array, Array]], codec: Codec, topology: Topology, W: Array, e: Array,
          a_prev: Array, post: Array, m: Array, hyper, on: Array, seed: Array, clip: float
          ) -> tuple[Array, Array]:
    """One A-STDP-ET pass with the presynaptic factor a over every edge -> (W, e) stored: ``xla(W, e)``
    (the rule's unfused phases), or, for int8 circulant organoids, the fused kernel that reads and writes
    W and e once. ``a_prev`` (stored), the postsynaptic factor ``post`` (float32: a, f'(v), 1 or η/σ) and
    a per-neuron ``m`` may be padded past N; ``on`` says whether W is updated this tick. On the CPU the LPS
    graph on PSL(2, q) has a fused kernel too (neighbours computed in the kernel), whole or per block."""
    graph = fused_graph(codec, topology)
    if graph is None:
        return xla(W, e)
    lps, n = isinstance(topology, LPS), topology.n

    def fused(kernel, a_prev, post, m):
        def run(W, e):
            return kernel(W, e, a_prev, post, m, hyper.decay, hyper.lr, hyper.weight_decay, on, seed, *graph, codec,
                          clip)

        return run

    m_n = m[:n] if m.ndim else m

    def blocks(kernel):
        """``kernel`` on each device's block of neurons, a_prev rotated so that the block starts at 0 (a
        circulant) or not (the LPS graph's neighbours are global)."""
        def run(W, e):
            cols = W.shape[-1]  # N padded to whole blocks
            m_cols = pad_tail(m[:cols], cols) if m.ndim else jnp.broadcast_to(m, (cols,))

            def block(W, e, a_prev, post, m, hyper_on, seed):
                first = jax.lax.axis_index(NEURONS) * (cols // neuron_mesh().shape[NEURONS])
                decay, lr, wd, on = hyper_on
                return kernel(W, e, a_prev if lps else jnp.roll(a_prev, -first), post, m, decay, lr, wd, on, seed,
                              *graph, codec, clip, first=first)

            P = jax.sharding.PartitionSpec
            edges, neurons = P(None, NEURONS), P(NEURONS)
            hyper_on = jnp.stack([jnp.asarray(x, jnp.float32) for x in (hyper.decay, hyper.lr, hyper.weight_decay, on)])
            return jax.shard_map(block, mesh=neuron_mesh(), in_specs=(edges, edges, P(), neurons, neurons, P(), P()),
                                 out_specs=(edges, edges), check_vma=False)(W, e, a_prev[:n], post[:cols], m_cols,
                                                                            hyper_on, seed)

        return run

    if lps:
        return on_backend((W, e), xla, cpu=fused(native.lps_learn, a_prev, post, m),
                          cpu_sharded=blocks(functools.partial(native.lps_learn, modulus=n)))
    return on_backend((W, e), xla, cuda=fused(pallas_circulant.learn, a_prev[:n], post[:n], m_n),
                      cpu=fused(native.circulant_learn, a_prev, post, m),  # the native kernel reads padded vectors
                      cuda_sharded=blocks(pallas_circulant.learn),
                      cpu_sharded=blocks(functools.partial(native.circulant_learn, modulus=n)))


def learn_lockstep(xla: Callable[[Array, Array], tuple[Array, Array]], codec: Codec, topology: Topology, W: Array,
                   e: Array, a_prev: Array, post: Array, m: Array, hyper, on: Array, seed: Array, shared_seed: Array,
                   clip: float) -> tuple[Array, Array]:
    """:func:`learn` for one trial of a lockstep batch (called under the batch's ``vmap``, W shared): ``xla(W,
    e)`` (the rule's unfused phases with the batch mean by ``pmean``), or, for int8 circulant organoids, one
    fused pass over all B trials through a ``custom_vmap`` rule (the vmap hands it every trial's e and
    factors at once): :func:`praxis_jax.kernels.native.circulant_learn_batch` on the CPU,
    :func:`praxis_jax.kernels.pallas.circulant.learn_batch` on GPUs; for the int8 LPS graph on PSL(2, q),
    :func:`praxis_jax.kernels.native.lps_learn_batch` on the CPU."""
    graph = fused_graph(codec, topology)
    if graph is None:
        return xla(W, e)
    lps = isinstance(topology, LPS)

    def lockstep(single: Callable, batch: Callable, cut: int | None):
        """The pass as a ``custom_vmap`` function of one trial; ``cut`` slices the per-neuron vectors to N
        for kernels that take exactly N (None: the kernel reads them padded)."""
        def trim(x):
            return x if cut is None else x[..., :cut]

        @jax.custom_batching.custom_vmap
        def fused(W, e, a_prev, post, m, hyper_on, seed, shared_seed):  # one trial alone: a batch of 1
            return single(W, e, trim(a_prev), trim(post), trim(m), *hyper_on, seed, *graph, codec, clip)

        @fused.def_vmap
        def batched(size, in_batched, W, e, a_prev, post, m, hyper_on, seed, shared_seed):
            W_b, e_b, a_b, post_b, m_b, hyper_b, seed_b, shared_b = in_batched
            if W_b or hyper_b:
                raise ValueError("a lockstep batch shares one W and one set of hyperparameters; got them batched "
                                 "over the trials (vmap the long state and hyper with in_axes=None)")

            def per_trial(x, batched):
                return x if batched else jnp.broadcast_to(x, (size, *jnp.shape(x)))

            e, a_prev, post, m, seed = (per_trial(x, b) for x, b in
                                        ((e, e_b), (a_prev, a_b), (post, post_b), (m, m_b), (seed, seed_b)))
            shared_seed = shared_seed[0] if shared_b else shared_seed
            out = batch(W, e, trim(a_prev), trim(post), trim(m), *hyper_on, seed, shared_seed, *graph, codec, clip)
            return out, (False, True)

        return fused

    hyper_on = jnp.stack([jnp.asarray(x, jnp.float32) for x in (hyper.decay, hyper.lr, hyper.weight_decay, on)])
    m = jnp.asarray(m, jnp.float32)
    m = pad_tail(m, post.shape[0]) if m.ndim else jnp.broadcast_to(m, post.shape)
    args = (a_prev, post, m, hyper_on, seed, shared_seed)
    if lps:
        cpu = lockstep(native.lps_learn, native.lps_learn_batch, None)
        return on_backend((W, e), xla, cpu=lambda W, e: cpu(W, e, *args))
    cpu = lockstep(native.circulant_learn, native.circulant_learn_batch, None)  # reads padded vectors
    cuda = lockstep(pallas_circulant.learn, pallas_circulant.learn_batch, topology.n)
    return on_backend((W, e), xla, cpu=lambda W, e: cpu(W, e, *args), cuda=lambda W, e: cuda(W, e, *args))


def rescale(xla: Callable[[Array, Array], Array], W: Array, s: Array, seed: Array, w_scale: float) -> Array:
    """Stored int8 W ``(D, N)`` with column j scaled by ``s_j``: ``xla(W, s)``, or the native kernel (same
    stochastic rounding hash) on the CPU."""
    return on_backend((W, s), xla, cpu=lambda W, s: native.rescale_columns(W, s, seed, w_scale))
