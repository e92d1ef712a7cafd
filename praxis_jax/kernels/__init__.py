"""Kernels: the one place that picks, per operator, the native CPU kernel, the Pallas GPU kernel or XLA.

Operators (:mod:`praxis_jax.kernels.dispatch`): :func:`propagate` (``r_j = Σ_i W_ij a_i``), :func:`learn`
(the fused A-STDP-ET pass over every edge), :func:`learn_lockstep` (the same for all trials of a lockstep
batch against one W), :func:`rescale` (homeostasis: column j of W scaled by s_j).
Their implementations: :mod:`praxis_jax.kernels.native` (C++ through the XLA FFI) and
:mod:`praxis_jax.kernels.pallas` (Triton on GPUs).
"""

from praxis_jax.kernels.dispatch import learn, learn_lockstep, propagate, rescale

__all__ = ["learn", "learn_lockstep", "propagate", "rescale"]
