"""The epoch loop shared by every trainer (local rules and gradient baselines alike)."""

from __future__ import annotations

import time
from typing import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array


def shuffled_batches(key: Array, s: int, b: int, owner: str = "batch_size") -> Array:
    """Indices ``(S // b, b)`` int32 of a random permutation of ``S`` trials (a remainder is left out)."""
    nb = s // b
    if nb == 0:
        raise ValueError(f"{owner} must be <= the number of training trials {s}; got {b}")
    return jax.random.permutation(key, s)[: nb * b].reshape(nb, b)


def run_epochs(epoch: Callable, accuracy: Callable, carry, data, epochs: int, on_epoch=None,
               history: list[dict] | None = None) -> tuple[object, list[dict]]:
    """Run epochs of ``epoch(carry, x, y) -> (carry, loss per batch)`` on a Dataset until ``epochs`` are
    done, then ``accuracy(carry, x, y)`` on its train and test splits after each (both jitted here).

    Each epoch gives a record ``epoch``, ``loss`` (mean train loss), ``train_acc``, ``test_acc``,
    ``seconds`` (training time of the epoch, compile included in the first), passed with the new carry to
    ``on_epoch(record, carry)`` (optional; e.g. to checkpoint) and returned in the list. To resume, pass
    the restored carry and the ``history`` so far: the run continues at epoch ``len(history) + 1``.
    """
    x, y, xt, yt = (jnp.asarray(a) for a in data[:4])
    epoch = jax.jit(epoch)
    accuracy = jax.jit(accuracy)
    history = list(history or [])
    for i in range(len(history), epochs):
        t0 = time.perf_counter()
        carry, loss = epoch(carry, x, y)
        loss = float(loss.mean())
        rec = {"epoch": i + 1, "loss": loss, "seconds": time.perf_counter() - t0}
        rec.update(train_acc=float(accuracy(carry, x, y)), test_acc=float(accuracy(carry, xt, yt)))
        history.append(rec)
        if on_epoch is not None:
            on_epoch(rec, carry)
    return carry, history
