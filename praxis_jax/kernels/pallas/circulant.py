"""Pallas kernels for circulant graphs: the propagation and the fused A-STDP-ET learning pass.

A circulant's edge j of neuron v comes from ``(v + s_j) mod N``, so for a tile of ``block`` consecutive
neurons each offset is one contiguous run of the doubled activation vector ``a2 = [a, a]`` (2N,) and of
row j of the ``(D, N)`` edge arrays. Both kernels also run on one device's block of L < N neurons in a
neuron-sharded run: W and e ``(D, L)``, the activations rotated so that the block starts at 0, and for
``learn`` the block's first global index, which the rounding hash's column counts from. One program
handles one tile and loops over the D offsets:

  propagate:  r[v] = Σ_j W[j, v]·a2[v + s_j]                          (int32 sum of int8 products)
  learn:      e_f = decay·e + pre·post;  e ← store_e(e_f);  W ← store_w(clip(W + lr·m·e_f − wd·W))
              with pre = a_prev2[v + s_j] and post[v] the rule's postsynaptic factor (float32) — the equations of
              :func:`praxis_jax.plasticity.astdp_et.eligibility` and ``weight``, called here per tile,
              with the same in-kernel draw per edge for both stochastic roundings
              (:func:`praxis_jax.plasticity.astdp_et.rounding`), so the result equals the unfused path.

``learn`` reads and writes W and e exactly once per tick (4·D·N bytes in int8) and updates them in place
(``input_output_aliases``); ``learn_batch`` does the same for B trials in lockstep against one W (each
trial's e, one update of W by the batch mean per tick). The kernels lower through Triton on GPUs;
``interpret=True`` runs them on any backend (the tests do so on the CPU). Tiles past N are masked.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as plgpu
from jaxtyping import Array

from praxis_jax.plasticity.astdp_et import STREAM_EDGE, eligibility, weight
from praxis_jax.quant.codec import Codec, half_uniforms, hash_bits_at

# Tile sizes measured on an H100 at N ≈ 1M (benchmarks/results/pallas-h100*.json): neurons per program,
# offsets written out per loop iteration, Triton warps per program.
PROPAGATE_BLOCK, PROPAGATE_UNROLL = 512, 4
BLOCK, UNROLL, WARPS = 256, 1, 4


def _tile(n: int, block: int):
    start = pl.program_id(0) * block
    cols = start + jax.lax.broadcasted_iota(jnp.int32, (block,), 0)
    return start, cols, cols < n


def _over_offsets(degree: int, unroll: int, body, carry):
    """``fori_loop`` over the D offsets, ``unroll`` per iteration written out (Triton lowers no ``unroll=``)."""

    def chunk(c, carry):
        for k in range(unroll):
            carry = body(c * unroll + k, carry)
        return carry

    carry = jax.lax.fori_loop(0, degree // unroll, chunk, carry)
    return jax.lax.fori_loop(degree - degree % unroll, degree, body, carry)


def _propagate_kernel(s_ref, W_ref, a2_ref, r_ref, *, n, degree, block, acc_dtype, unroll):
    start, _, mask = _tile(n, block)

    def body(j, acc):
        w = plgpu.load(W_ref.at[j, pl.ds(start, block)], mask=mask, other=0)
        x = plgpu.load(a2_ref.at[pl.ds(start + s_ref[j], block)], mask=mask, other=0)
        return acc + w.astype(acc_dtype) * x.astype(acc_dtype)

    acc = _over_offsets(degree, unroll, body, jnp.zeros((block,), acc_dtype))
    plgpu.store(r_ref.at[pl.ds(start, block)], acc, mask=mask)


@functools.partial(jax.jit, static_argnames=("offsets", "dtype", "block", "unroll", "warps", "interpret"))
def propagate(W: Array, a: Array, offsets: tuple[int, ...], dtype=jnp.int32, block: int = PROPAGATE_BLOCK,
              unroll: int = PROPAGATE_UNROLL, warps: int = WARPS, interpret: bool = False) -> Array:
    """``r[v] = Σ_j W[j, v]·a[(v + offsets[j]) mod N]``: W ``(D, L)`` of neurons 0 .. L − 1 (L ≤ N: all of
    them, or a block with ``a`` rotated to start at it), a ``(N,)`` -> ``(L,)`` of ``dtype``."""
    d, n = W.shape
    kernel = functools.partial(_propagate_kernel, n=n, degree=d, block=block, acc_dtype=dtype, unroll=unroll)
    return pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((n,), dtype),
        grid=(pl.cdiv(n, block),),
        interpret=interpret,
        compiler_params=plgpu.CompilerParams(num_warps=warps),
        name="praxis_circulant_propagate",
    )(jnp.asarray(offsets, jnp.int32), W, jnp.concatenate([a, a]))


def _learn_kernel(s_ref, h_ref, seed_ref, a2_ref, post_ref, m_ref, W_ref, e_ref, W_out, e_out, *,
                  codec, clip, n, degree, block, unroll):
    start, cols, mask = _tile(n, block)
    decay, lr, wd, on = h_ref[0], h_ref[1], h_ref[2], h_ref[3]
    seed = seed_ref[0]
    post = plgpu.load(post_ref.at[pl.ds(start, block)], mask=mask, other=0.0)
    m = plgpu.load(m_ref.at[pl.ds(start, block)], mask=mask, other=0.0)
    ucols = cols.astype(jnp.uint32) + seed_ref[1]  # the global neuron index: + first

    def body(j, carry):
        pre = codec.a(plgpu.load(a2_ref.at[pl.ds(start + s_ref[j], block)], mask=mask, other=0))
        e = plgpu.load(e_ref.at[j, pl.ds(start, block)], mask=mask, other=0)
        W = plgpu.load(W_ref.at[j, pl.ds(start, block)], mask=mask, other=0)
        row = j.astype(jnp.uint32)
        u_e, u_w = half_uniforms(hash_bits_at(seed, row, ucols, STREAM_EDGE)) if codec.int8 else (None, None)
        e_f, e_new = eligibility(codec, decay, pre, post, e, u_e)
        W_new = jnp.where(on > 0, weight(codec, clip, lr, wd, W, m * e_f, u_w), W)
        plgpu.store(e_out.at[j, pl.ds(start, block)], e_new, mask=mask)
        plgpu.store(W_out.at[j, pl.ds(start, block)], W_new, mask=mask)
        return carry

    _over_offsets(degree, unroll, body, 0)


@functools.partial(jax.jit, static_argnames=("offsets", "codec", "clip", "block", "unroll", "warps", "interpret"),
                   donate_argnums=(0, 1))
def learn(W: Array, e: Array, a_prev: Array, post: Array, m: Array, decay, lr, weight_decay, on, seed: Array,
          offsets: tuple[int, ...], codec: Codec, clip: float, first=0, block: int = BLOCK, unroll: int = UNROLL,
          warps: int = WARPS, interpret: bool = False) -> tuple[Array, Array]:
    """One fused A-STDP-ET pass over a circulant's edges; returns the new stored ``(W, e)``.

    Args:
      W, e: stored ``(D, L)`` weights and eligibility (donated: updated in place) of the L ≤ N neurons
        ``first .. first + L − 1`` (all N, or one device's block of a neuron-sharded run).
      a_prev: stored activations ``(N,)`` of the previous tick (the presynaptic factor), rotated so that
        neuron ``first`` is at 0.
      post: the rule's postsynaptic factor ``(L,)`` float32 (a, f'(v), 1 or η/σ of this tick).
      m: modulator ``()`` or ``(L,)``.  decay, lr, weight_decay: scalars.
      on: scalar bool, whether phases 2-3 (the weight update) run this tick.
      seed: uint32 scalar of the stochastic-rounding hash.  first: int, the hash's column of neuron 0.
    """
    d, n = W.shape
    hyper = jnp.stack([jnp.asarray(x, jnp.float32) for x in (decay, lr, weight_decay, on)])
    m = jnp.broadcast_to(jnp.asarray(m, jnp.float32), (n,))
    kernel = functools.partial(_learn_kernel, codec=codec, clip=clip, n=n, degree=d, block=block, unroll=unroll)
    seeds = jnp.concatenate([jnp.reshape(seed, (1,)).astype(jnp.uint32), jnp.reshape(first, (1,)).astype(jnp.uint32)])
    return _in_place(kernel, "praxis_circulant_learn", W, e, block, warps, interpret, jnp.asarray(offsets, jnp.int32),
                     hyper, seeds, jnp.concatenate([a_prev, a_prev]), post.astype(jnp.float32), m)


def _in_place(kernel, name: str, W: Array, e: Array, block: int, warps: int, interpret: bool, *inputs):
    """``kernel(*inputs, W, e, W_out, e_out)`` over tiles of ``block`` neurons, W and e updated in place."""
    k = len(inputs)
    return pl.pallas_call(
        kernel,
        out_shape=(jax.ShapeDtypeStruct(W.shape, W.dtype), jax.ShapeDtypeStruct(e.shape, e.dtype)),
        grid=(pl.cdiv(W.shape[1], block),),
        input_output_aliases={k: 0, k + 1: 1},
        interpret=interpret,
        compiler_params=plgpu.CompilerParams(num_warps=warps),
        name=name,
    )(*inputs, W, e)


def _learn_batch_kernel(s_ref, h_ref, seeds_ref, a2_ref, post_ref, m_ref, W_ref, e_ref, W_out, e_out, *,
                        codec, clip, n, degree, batch, block, unroll):
    start, cols, mask = _tile(n, block)
    decay, lr, wd, on = h_ref[0], h_ref[1], h_ref[2], h_ref[3]
    ucols = cols.astype(jnp.uint32)

    def body(j, carry):
        row = j.astype(jnp.uint32)

        def trial(b, me):  # trial b's trace on this tile of row j, and its share of the batch's m·e
            pre = codec.a(plgpu.load(a2_ref.at[b, pl.ds(start + s_ref[j], block)], mask=mask, other=0))
            post = plgpu.load(post_ref.at[b, pl.ds(start, block)], mask=mask, other=0.0)
            m = plgpu.load(m_ref.at[b, pl.ds(start, block)], mask=mask, other=0.0)
            e = plgpu.load(e_ref.at[b, j, pl.ds(start, block)], mask=mask, other=0)
            u_e = half_uniforms(hash_bits_at(seeds_ref[b], row, ucols, STREAM_EDGE))[0] if codec.int8 else None
            e_f, e_new = eligibility(codec, decay, pre, post, e, u_e)
            plgpu.store(e_out.at[b, j, pl.ds(start, block)], e_new, mask=mask)
            return me + m * e_f

        me = jax.lax.fori_loop(0, batch, trial, jnp.zeros((block,), jnp.float32)) / batch
        W = plgpu.load(W_ref.at[j, pl.ds(start, block)], mask=mask, other=0)
        u_w = half_uniforms(hash_bits_at(seeds_ref[batch], row, ucols, STREAM_EDGE))[1] if codec.int8 else None
        W_new = jnp.where(on > 0, weight(codec, clip, lr, wd, W, me, u_w), W)
        plgpu.store(W_out.at[j, pl.ds(start, block)], W_new, mask=mask)
        return carry

    _over_offsets(degree, unroll, body, 0)


@functools.partial(jax.jit, static_argnames=("offsets", "codec", "clip", "block", "unroll", "warps", "interpret"),
                   donate_argnums=(0, 1))
def learn_batch(W: Array, e: Array, a_prev: Array, post: Array, m: Array, decay, lr, weight_decay, on, seeds: Array,
                shared_seed: Array, offsets: tuple[int, ...], codec: Codec, clip: float, block: int = BLOCK,
                unroll: int = UNROLL, warps: int = WARPS, interpret: bool = False) -> tuple[Array, Array]:
    """:func:`learn` for B trials in lockstep against one shared W; returns the new stored ``(W, e)``.

    Each trial b traces its own e ``(B, D, N)`` from its factors (a_prev int8, post and m float32, each
    ``(B, N)``), rounded from ``seeds[b]``; on update ticks the shared W ``(D, N)`` takes one update by the
    batch mean ``lr·(1/B)·Σ_b m_b·e_f,b`` (summed in trial order), rounded from ``shared_seed``: the
    equations of :func:`praxis_jax.simulate.step` with an ``axis_name``, read and written once per tick.
    """
    batch, d, n = e.shape
    hyper = jnp.stack([jnp.asarray(x, jnp.float32) for x in (decay, lr, weight_decay, on)])
    m = jnp.broadcast_to(jnp.asarray(m, jnp.float32), (batch, n))
    all_seeds = jnp.concatenate([seeds.astype(jnp.uint32), jnp.reshape(shared_seed, (1,)).astype(jnp.uint32)])
    kernel = functools.partial(_learn_batch_kernel, codec=codec, clip=clip, n=n, degree=d, batch=batch, block=block,
                               unroll=unroll)
    return _in_place(kernel, "praxis_circulant_learn_batch", W, e, block, warps, interpret,
                     jnp.asarray(offsets, jnp.int32), hyper, all_seeds, jnp.concatenate([a_prev, a_prev], axis=1),
                     post.astype(jnp.float32), m)
