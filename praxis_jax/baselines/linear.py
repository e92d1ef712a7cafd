"""Softmax (logistic) regression on the raw input sequence: the floor every organoid row must beat.

Full-batch gradient descent on the cross-entropy of ``logits = x̃·R + c`` with x̃ the flattened,
standardised input ``(S, T·K)``; the gradient step is the delta rule of :mod:`praxis_jax.learning.readout`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.learning.readout import (
    Readout,
    delta_rule,
    init_readout,
    logits,
    output_error,
)


def logistic_regression(x: Array, y: Array, n_classes: int, steps: int = 2000, lr: float = 0.5) -> Readout:
    """Fit on ``x`` ``(S, T, K)``, ``y`` ``(S,)``; the returned readout applies to ``x.reshape(S, -1)`` raw."""
    F = x.reshape(x.shape[0], -1)
    mu, sd = F.mean(0), F.std(0) + 1e-6
    Fs = (F - mu) / sd

    def body(r, _):
        err, _ = output_error(r, Fs, y)
        return delta_rule(r, Fs, err, jnp.float32(lr)), None

    r, _ = jax.lax.scan(body, init_readout(F.shape[1], n_classes), None, length=steps)
    R = r.R / sd[:, None]
    return Readout(R, r.c - mu @ R)


def accuracy(readout: Readout, x: Array, y: Array) -> Array:
    """Accuracy of a raw-input readout on ``x`` ``(S, T, K)``."""
    return (logits(readout, x.reshape(x.shape[0], -1)).argmax(-1) == y).mean()
