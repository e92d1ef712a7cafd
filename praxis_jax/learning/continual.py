"""Scoring a readout after a sequence of tasks (class-incremental learning, e.g. Fashion-MNIST classes 0–4
then 5–9, one readout over all classes).

For logits z ``(S, C)`` of trials with labels y ``(S,)`` that all belong to one task's ``classes``:
  - class-incremental accuracy: ``mean(argmax_c z = y)`` over all C classes (the task is not told);
  - task-incremental accuracy: ``mean(argmax_{c ∈ classes} z = y)`` (the task is told, so a readout that
    merely favours the newest classes is not penalised).
Forgetting of a task is its accuracy right after it was learned minus its accuracy after the later tasks.
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array


def class_incremental_accuracy(z: Array, y: Array) -> Array:
    """``mean(argmax z = y)`` for z ``(S, C)``, y ``(S,)``."""
    return (z.argmax(-1) == y).mean()


def task_incremental_accuracy(z: Array, y: Array, classes) -> Array:
    """``mean(argmax over classes of z = y)``: the logits of the other classes are masked out."""
    mask = jnp.zeros(z.shape[-1], bool).at[jnp.asarray(list(classes))].set(True)
    return (jnp.where(mask, z, -jnp.inf).argmax(-1) == y).mean()
