"""The named classification tasks: name -> loader, inputs per tick, ticks per trial, published scores.

``praxis run`` (``[run] task``), the demo and the experiments look tasks up here; a ``"file:PATH"`` task
is a user's ``.npz`` (:func:`praxis_jax.tasks.base.load_npz`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from praxis_jax.tasks.base import Dataset, load_npz
from praxis_jax.tasks.digits import load_digits
from praxis_jax.tasks.fashion_mnist import load_fashion_mnist
from praxis_jax.tasks.mnist1d import load_mnist1d


class Task(NamedTuple):
    """``load()`` the :class:`Dataset`; ``inputs`` per tick and ``ticks`` per trial of its trials;
    ``reference``: published test accuracies (model -> fraction), or None."""

    load: Callable[[], Dataset]
    inputs: int
    ticks: int
    reference: dict[str, float] | None = None


TASKS = {
    # Greydanus 2020: logistic regression 32%, MLP 68%, GRU 91%, CNN 94%
    "mnist1d": Task(load_mnist1d, 1, 40, {"logistic": 0.32, "mlp": 0.68, "gru": 0.91, "cnn": 0.94}),
    "digits": Task(load_digits, 8, 8),
    "fashion_mnist": Task(load_fashion_mnist, 28, 28),
}


def is_task(task) -> bool:
    """Whether ``task`` names a registered task or a file (``"file:PATH"``, PATH non-empty)."""
    return isinstance(task, str) and (task in TASKS or task.startswith("file:") and len(task) > 5)


def load_task(task: str) -> Dataset:
    """The dataset of a registered task or of ``"file:PATH"`` (checked; errors name the file)."""
    return load_npz(task[5:]) if task.startswith("file:") else TASKS[task].load()


def task_shape(task: str) -> tuple[int, int]:
    """(inputs per tick, ticks per trial) of a task; a ``file:`` task's file is read and checked."""
    if task.startswith("file:"):
        data = load_npz(task[5:])
        return data.n_inputs, data.ticks
    return TASKS[task].inputs, TASKS[task].ticks
