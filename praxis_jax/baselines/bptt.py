"""BPTT: the same PRAXIS organoid in float32, trained by exact gradients through the trial's ``lax.scan``.

The differentiable comparison for the local rules (see :mod:`praxis_jax.baselines.gradient` for what
is shared): ``jax.grad`` of the batch loss with respect to θ goes back through every tick.
``weight_bits`` (8, 4 or 2) trains with W and U fake-quantized in the forward pass (QAT, straight-through
gradient; see :mod:`praxis_jax.quant.lowbit`).
"""

from __future__ import annotations

import jax
from jaxtyping import Array

from praxis_jax.baselines.gradient import (
    TRAINABLE,
    GradState,
    Theta,
    check_gradient_organoid,
    check_noiseless,
    check_train,
    check_weight_bits,
    fit_gradient,
    organoid,
)
from praxis_jax.learning.readout import output_error
from praxis_jax.learning.supervised import trial_features
from praxis_jax.state import Long, Params


def batch_loss(theta: Theta, params: Params, long: Long, x: Array, y: Array,
               weight_bits: int | None = None) -> Array:
    """Mean cross-entropy of trials ``x`` ``(B, T, K)`` with labels ``y`` ``(B,)`` (W and U fake-quantized
    to ``weight_bits`` when given)."""
    p, lg = organoid(params, long, theta, weight_bits)
    F = trial_features(p, lg, x, jax.random.PRNGKey(0), batch=x.shape[0])
    _, loss = output_error(theta.readout, F, y)
    return loss.mean()


def fit_bptt(params: Params, long: Long, data, epochs: int, batch_size: int = 32, lr: float = 1e-3,
             key: Array | None = None, on_epoch=None, state: GradState | None = None,
             history: list[dict] | None = None,
             weight_bits: int | None = None, train=TRAINABLE) -> tuple[GradState, list[dict]]:
    """Train θ by BPTT with Adam(lr) for ``epochs`` epochs on a Dataset; records as in ``run_epochs``
    (resume with ``state`` and ``history``: see :func:`fit_gradient`). ``weight_bits`` (None, 8, 4 or 2):
    quantization-aware training of W and U (:func:`praxis_jax.quant.lowbit.fake_quant`); ``train``: the organoid
    parameters that learn, of ("W", "U", "b") (the readout always does)."""
    check_gradient_organoid(params, "BPTT")
    check_noiseless(params, "BPTT")
    check_weight_bits(weight_bits, "fit_bptt")
    grad_fn = jax.value_and_grad(lambda th, x, y: batch_loss(th, params, long, x, y, weight_bits))
    return fit_gradient(grad_fn, params, long, data, epochs, batch_size, lr,
                        jax.random.PRNGKey(0) if key is None else key, on_epoch, state, history, weight_bits,
                        check_train(train, "fit_bptt"))
