"""The epoch loop shared by every trainer (local rules and gradient baselines alike)."""

from __future__ import annotations

import time
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array


def shuffled_batches(key: Array, s: int, b: int, owner: str = "batch_size") -> Array:
    """Indices ``(S // b, b)`` int32 of a random permutation of ``S`` trials (a remainder is left out)."""
    nb = s // b
    if nb == 0:
        raise ValueError(f"{owner} must be <= the number of training trials {s}; got {b}")
    return jax.random.permutation(key, s)[: nb * b].reshape(nb, b)


def in_batches(f: Callable, x: Array, batch: int) -> Array:
    """``f`` ``(batch, ...) -> (batch, M)`` applied to the rows of x ``(S, ...)`` ``batch`` at a time (a
    ``lax.map``; the last batch zero-padded, its padding rows dropped): ``(S, M)``."""
    s = x.shape[0]
    xp = jnp.concatenate([x, jnp.zeros(((-s) % batch,) + x.shape[1:], x.dtype)]).reshape((-1, batch) + x.shape[1:])
    out = jax.lax.map(f, xp)
    return out.reshape(-1, out.shape[-1])[:s]


def run_epochs(epoch: Callable, accuracy: Callable, carry, data, epochs: int, on_epoch=None,
               history: list[dict] | None = None, train_eval: int | None = None) -> tuple[object, list[dict]]:
    """Run epochs of ``epoch(carry, x, y) -> (carry, loss per batch)`` on a Dataset until ``epochs`` are
    done, then ``accuracy(carry, x, y)`` on its train and test splits after each (both jitted here).

    Each epoch gives a record ``epoch``, ``loss`` (mean train loss), ``train_acc`` (on the first
    ``train_eval`` training trials when given, else on all), ``test_acc``,
    ``seconds`` (training time of the epoch, compile included in the first), passed with the new carry to
    ``on_epoch(record, carry)`` (optional; e.g. to checkpoint) and returned in the list. To resume, pass
    the restored carry and the ``history`` so far: the run continues at epoch ``len(history) + 1``.
    A vmapped sweep (:mod:`praxis_jax.learning.sweep`) gives lists, one entry per configuration, for the loss
    and the accuracies.
    """
    x, y, xt, yt = (jnp.asarray(a) for a in data[:4])
    xe, ye = x[:train_eval], y[:train_eval]
    epoch = jax.jit(epoch)
    accuracy = jax.jit(accuracy)
    history = list(history or [])
    for i in range(len(history), epochs):
        t0 = time.perf_counter()
        carry, loss = epoch(carry, x, y)
        loss = np.asarray(loss).mean(-1).tolist()  # a float, or a list per configuration of a sweep
        rec = {"epoch": i + 1, "loss": loss, "seconds": time.perf_counter() - t0}
        rec.update(train_acc=np.asarray(accuracy(carry, xe, ye)).tolist(),
                   test_acc=np.asarray(accuracy(carry, xt, yt)).tolist())
        history.append(rec)
        if on_epoch is not None:
            on_epoch(rec, carry)
    return carry, history
